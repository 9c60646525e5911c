/**
 * A Modbus/TCP slave for a RegisterSource, built on modbus-serial's ServerTCP (a third-party slave
 * implementation, so the plant is read over a framing we did not write). The field branch brings
 * its own slave (src/sim/tcp-slave.ts); this adapter is the drop-in the lead can swap for it.
 *
 * ServerTCP's vector API: callback getters; a callback error with `modbusErrorCode` becomes that
 * exception response; a callback never called means no reply (an offline device). It is
 * read-only here: every write answers exception 1 (illegal function).
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import ModbusRTU from 'modbus-serial';
import type { ReadFunction, RegisterSource, SlaveReply } from './register-source.ts';

type Cb<T> = (err: unknown, value?: T) => void;

export interface TcpSlaveOptions {
  host: string;
  /** 0 picks a free port (see `port` after start). */
  port: number;
}

export class ModbusSerialTcpServer {
  readonly name: string;
  private readonly source: RegisterSource;
  private readonly opts: TcpSlaveOptions;
  private server: InstanceType<typeof ModbusRTU.ServerTCP> | undefined;
  private stopped: Promise<void> | undefined;
  private boundPort = 0;
  /** Socket errors seen (clients vanishing mid-reply); counted, not fatal. */
  socketErrors = 0;

  constructor(source: RegisterSource, opts: TcpSlaveOptions, name = `modbus-tcp-slave ${opts.host}:${opts.port}`) {
    this.source = source;
    this.opts = opts;
    this.name = name;
  }

  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<void> {
    const serve = (fn: ReadFunction, address: number, count: number, unit: number, cb: Cb<number[]>): void => {
      const deliver = (r: SlaveReply): void => {
        if (r.kind === 'values') cb(null, [...r.values]);
        // An empty array, not undefined: ServerTCP indexes the values even on error.
        else if (r.kind === 'exception') cb({ modbusErrorCode: r.code, msg: `exception ${r.code}` }, []);
        // silent: never answer.
      };
      try {
        const r = this.source.read(unit, fn, address, count);
        if (r instanceof Promise) r.then(deliver, (err: unknown) => cb(err, []));
        else deliver(r);
      } catch (err) {
        cb(err, []);
      }
    };
    const one = (fn: ReadFunction, asBool: boolean) => (addr: number, unit: number, cb: Cb<number | boolean>) =>
      serve(fn, addr, 1, unit, (err, values) => (err ? cb(err) : cb(null, asBool ? values?.[0] === 1 : (values?.[0] ?? 0))));
    const many = (fn: ReadFunction) => (addr: number, length: number, unit: number, cb: Cb<number[]>) => serve(fn, addr, length, unit, cb);
    const readOnly = (...args: unknown[]): void => (args.at(-1) as Cb<void>)({ modbusErrorCode: 1, msg: 'read-only plant' });
    const vector = {
      getCoil: one(1, true),
      getDiscreteInput: one(2, true),
      getHoldingRegister: one(3, false),
      getInputRegister: one(4, false),
      getMultipleHoldingRegisters: many(3),
      getMultipleInputRegisters: many(4),
      setCoil: (a: number, v: boolean, u: number, cb: Cb<void>) => readOnly(a, v, u, cb),
      setRegister: (a: number, v: number, u: number, cb: Cb<void>) => readOnly(a, v, u, cb),
      setRegisterArray: (a: number, v: number[], u: number, cb: Cb<void>) => readOnly(a, v, u, cb),
    };
    // ServerTCP treats port 0 as "use 502" (`options.port || 502`); the string "0" passes through
    // to net.Server.listen, which binds an ephemeral port.
    const port = (this.opts.port === 0 ? '0' : this.opts.port) as number;
    const server = new ModbusRTU.ServerTCP(vector as ConstructorParameters<typeof ModbusRTU.ServerTCP>[0], { host: this.opts.host, port, unitID: 255 });
    this.server = server;
    server.on('socketError', () => this.socketErrors++);
    const inner = (server as unknown as { _server: import('node:net').Server })._server;
    const [outcome] = (await Promise.race([once(server, 'initialized').then(() => ['ok']), once(server, 'serverError')])) as [unknown];
    if (outcome !== 'ok') {
      this.server = undefined;
      const err = outcome as NodeJS.ErrnoException;
      throw new Error(`cannot listen on ${this.opts.host}:${this.opts.port}: ${err.code ?? err.message}`, { cause: err });
    }
    this.boundPort = (inner.address() as AddressInfo).port;
  }

  stop(): Promise<void> {
    this.stopped ??= new Promise<void>((resolve) => {
      const server = this.server;
      if (!server) return resolve();
      server.close(() => resolve());
    });
    return this.stopped;
  }
}
