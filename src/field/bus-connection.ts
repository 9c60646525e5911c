/**
 * Opens and reopens a bus's stream: the serial port (RTU), or one TCP connection per endpoint
 * (Modbus/TCP, RTU over TCP). A port or connection that is gone is reopened on the next
 * transaction, with capped exponential backoff between failed attempts. Never lists serial
 * ports (SerialPort.list() spawns udevadm, which crashes where it is missing).
 */
import { statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import type { SerialPort } from 'serialport';
import type { BusConfig } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { Backoff } from './backoff.ts';
import type { ModbusLink } from './link.ts';
import { ModbusDisconnectedError } from './modbus-errors.ts';
import { RtuLink } from './rtu-link.ts';
import { TcpLink } from './tcp-link.ts';

export type LinkOpener = () => Promise<ModbusLink>;

export function endpointOf(bus: BusConfig): string {
  return bus.transport === 'rtu' ? bus.path : `${bus.host}:${bus.port}`;
}

let serialport: Promise<typeof import('serialport')> | undefined;

/**
 * serialport (a native binding) is imported only by a daemon with an RTU bus: BusComponent.start()
 * awaits this, so a binding that cannot load still stops start-up instead of failing each open.
 */
export function loadSerialPort(): Promise<typeof import('serialport')> {
  serialport ??= import('serialport');
  return serialport;
}

async function openSerial(path: string, bus: Extract<BusConfig, { transport: 'rtu' }>): Promise<SerialPort> {
  const { SerialPort } = await loadSerialPort();
  const port = new SerialPort({ path, baudRate: bus.baud, dataBits: bus.data_bits, parity: bus.parity, stopBits: bus.stop_bits, autoOpen: false });
  return new Promise((resolve, reject) => port.open((err) => (err ? reject(err) : resolve(port))));
}

function openSocket(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`connect timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.removeAllListeners('error');
      resolve(sock);
    });
    sock.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function nodeIdentity(path: string): string | undefined {
  try {
    const st = statSync(path);
    return `${st.dev}:${st.ino}:${st.rdev}`;
  } catch {
    return undefined;
  }
}

/**
 * A serial link. serialport's stream keeps reading after destroy() (only close() closes the fd),
 * and on a pty whose other end vanished it spins on 0-byte reads without ever reporting the
 * disconnect: so the link closes the port itself, and remembers which device node it opened to
 * notice (after a timeout) that the node is gone or was recreated.
 */
async function openSerialLink(bus: Extract<BusConfig, { transport: 'rtu' }>): Promise<RtuLink> {
  const port = await openSerial(bus.path, bus);
  const identity = nodeIdentity(bus.path);
  return new RtuLink(port, bus, {
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
    stillThere: () => identity !== undefined && nodeIdentity(bus.path) === identity,
  });
}

export function linkOpener(bus: BusConfig): LinkOpener {
  switch (bus.transport) {
    case 'rtu':
      return () => openSerialLink(bus);
    case 'rtu-over-tcp':
      return async () => new RtuLink(await openSocket(bus.host, bus.port, bus.timeout_ms), bus);
    case 'tcp':
      return async () => new TcpLink(await openSocket(bus.host, bus.port, bus.timeout_ms));
  }
}

export class BusConnection {
  private readonly open: LinkOpener;
  private readonly log: Logger;
  private readonly where: string;
  private readonly backoff = new Backoff({ initialMs: 500 });
  private current: ModbusLink | undefined;
  private nextAttemptAt = 0;
  private closed = false;
  private wireBytesClosed = 0;
  opens = 0;
  onOpen: (() => void) | undefined;

  constructor(bus: BusConfig, log: Logger, opener: LinkOpener = linkOpener(bus)) {
    this.open = opener;
    this.log = log;
    this.where = `bus ${bus.id} (${endpointOf(bus)})`;
  }

  /** The open link, opening it when needed; throws ModbusDisconnectedError while it cannot. */
  async link(): Promise<ModbusLink> {
    if (this.current?.open) return this.current;
    if (this.closed) throw new ModbusDisconnectedError(`${this.where}: stopped`);
    if (this.current) {
      this.wireBytesClosed += this.current.wireBytes;
      await this.current.close().catch(() => undefined);
      this.current = undefined;
      this.log.warn({ event: 'bus_lost' }, `${this.where}: connection lost; reopening`);
    }
    const now = Date.now();
    if (now < this.nextAttemptAt) throw new ModbusDisconnectedError(`${this.where}: not open; next attempt in ${this.nextAttemptAt - now} ms`);
    try {
      const link = await this.open();
      if (this.closed) {
        await link.close();
        throw new ModbusDisconnectedError(`${this.where}: stopped`);
      }
      this.current = link;
      this.backoff.reset();
      this.opens++;
      this.log.info({ event: 'bus_open', opens: this.opens }, `${this.where}: open`);
      this.onOpen?.();
      return link;
    } catch (err) {
      if (err instanceof ModbusDisconnectedError) throw err;
      const delay = Math.round(this.backoff.fail());
      this.nextAttemptAt = Date.now() + delay;
      this.log.warn({ event: 'bus_open_failed', err: (err as Error).message, retry_ms: delay }, `${this.where}: cannot open: ${(err as Error).message}; next attempt in ${delay} ms`);
      throw new ModbusDisconnectedError(`${this.where}: cannot open: ${(err as Error).message}`, { cause: err });
    }
  }

  /** After a timeout: closes the link when its device node vanished, so the next read reopens it. */
  async verify(): Promise<void> {
    const link = this.current;
    if (!link?.open || !link.stillThere || link.stillThere()) return;
    this.log.warn({ event: 'bus_vanished' }, `${this.where}: device node gone or replaced; closing the port to reopen it`);
    await link.close().catch(() => undefined);
  }

  /** Bytes sent and received since start, across reopens. */
  get wireBytes(): number {
    return this.wireBytesClosed + (this.current?.wireBytes ?? 0);
  }

  async close(): Promise<void> {
    this.closed = true;
    const link = this.current;
    this.current = undefined;
    if (link) await link.close();
  }
}
