/**
 * A Modbus/TCP slave serving a RegisterSource (the simulated plant, tests, benchmarks). Every
 * function code received is counted in `functionCodes`; only reads are answered with data.
 */
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { answerPdu, FunctionCodeLog } from './modbus-answer.ts';
import type { RegisterSource } from './register-source.ts';

export interface TcpSlaveOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
}

export interface TcpSlave {
  port: number;
  functionCodes: FunctionCodeLog;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Drops every open connection (the peer "restarts"); the listener stays. */
  dropConnections(): void;
  close(): Promise<void>;
}

export async function startTcpSlave(source: RegisterSource, opts: TcpSlaveOptions = {}): Promise<TcpSlave> {
  const functionCodes = new FunctionCodeLog();
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((sock) => {
    connections++;
    sockets.add(sock);
    sock.setNoDelay(true);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    let rx: Buffer = Buffer.alloc(0);
    let chain: Promise<void> = Promise.resolve();
    sock.on('data', (chunk: Buffer) => {
      rx = rx.length === 0 ? chunk : Buffer.concat([rx, chunk]);
      while (rx.length >= 8) {
        const len = rx.readUInt16BE(4);
        if (len < 2 || len > 254) return void sock.destroy();
        if (rx.length < 6 + len) return;
        const adu = rx.subarray(0, 6 + len);
        rx = rx.subarray(6 + len);
        functionCodes.record(adu[7]!);
        // Replies leave in request order, one at a time, as a single-threaded device's would.
        chain = chain.then(async () => {
          const pdu = await answerPdu(source, adu[6]!, adu.subarray(7));
          if (!pdu || sock.destroyed) return;
          const out = Buffer.alloc(7 + pdu.length);
          adu.copy(out, 0, 0, 4);
          out.writeUInt16BE(pdu.length + 1, 4);
          out[6] = adu[6]!;
          pdu.copy(out, 7);
          sock.write(out);
        }).catch(() => void sock.destroy());
      }
    });
  });
  server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1');
  await once(server, 'listening');
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port,
    functionCodes,
    get connections() {
      return connections;
    },
    dropConnections: () => sockets.forEach((s) => s.destroy()),
    close: async () => {
      sockets.forEach((s) => s.destroy());
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
