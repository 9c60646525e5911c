/**
 * A malicious Modbus slave for hostile-input tests, over TCP (MBAP) or a serial pty (RTU, CRC).
 * Units in `honest` get correct replies (register n = n * 10); every other unit gets, per request,
 * a seeded choice of: a correct reply, random bytes, a truncated reply, an oversized frame, a
 * reply from the wrong unit, with the wrong function or transaction id, a byte count that lies, a
 * random exception code, silence, or (TCP) a closed connection.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { openSync, closeSync, createReadStream, createWriteStream, type ReadStream, type WriteStream } from 'node:fs';
import { withCrc, crcOk } from '../../src/field/crc16.ts';
import { Prng } from '../../src/sim/prng.ts';

export const evilKinds = ['valid', 'random', 'truncated', 'oversized', 'wrong_unit', 'wrong_function', 'wrong_txn', 'byte_count', 'exception', 'silent', 'close'] as const;
export type EvilKind = (typeof evilKinds)[number];

export interface EvilStats {
  requests: number;
  sent: Record<EvilKind, number>;
}

interface Request {
  unit: number;
  fn: number;
  address: number;
  count: number;
}

/** The correct PDU for a read (register n = n * 10, bit n = n % 2). */
function validPdu(r: Request): Buffer {
  if (r.fn === 1 || r.fn === 2) {
    const bytes = Buffer.alloc(Math.ceil(r.count / 8));
    for (let i = 0; i < r.count; i++) if ((r.address + i) % 2 === 1) bytes[i >> 3]! |= 1 << (i & 7);
    return Buffer.concat([Buffer.from([r.fn, bytes.length]), bytes]);
  }
  const data = Buffer.alloc(r.count * 2);
  for (let i = 0; i < r.count; i++) data.writeUInt16BE(((r.address + i) * 10) & 0xffff, i * 2);
  return Buffer.concat([Buffer.from([r.fn, data.length]), data]);
}

function randomBytes(rng: Prng, n: number): Buffer {
  return Buffer.from(Array.from({ length: n }, () => Math.floor(rng.next() * 256)));
}

export class EvilBrain {
  readonly stats: EvilStats = { requests: 0, sent: Object.fromEntries(evilKinds.map((k) => [k, 0])) as Record<EvilKind, number> };
  private readonly rng: Prng;
  private readonly honest: ReadonlySet<number>;
  /** Share of correct replies to the evil units (keeps their backoff short so the storm goes on). */
  validShare: number;
  /** Hostile kinds this transport can send. */
  readonly kinds: readonly EvilKind[];

  constructor(seed: number, honest: readonly number[], kinds: readonly EvilKind[], validShare = 0.3) {
    this.rng = new Prng(seed);
    this.honest = new Set(honest);
    this.kinds = kinds.filter((k) => k !== 'valid');
    this.validShare = validShare;
  }

  choose(unit: number): EvilKind {
    this.stats.requests++;
    const k: EvilKind = this.honest.has(unit) || this.rng.next() < this.validShare ? 'valid' : this.kinds[Math.floor(this.rng.next() * this.kinds.length)]!;
    if (!this.honest.has(unit)) this.stats.sent[k]++;
    return k;
  }

  /** The reply frame for `kind`; `frame` wraps a (unit, pdu) into the transport's framing. */
  reply(kind: EvilKind, r: Request, frame: (unit: number, pdu: Buffer, txnDelta?: number) => Buffer): Buffer | 'silent' | 'close' {
    const rng = this.rng;
    const pdu = validPdu(r);
    switch (kind) {
      case 'valid':
        return frame(r.unit, pdu);
      case 'random':
        return randomBytes(rng, 1 + Math.floor(rng.next() * 300));
      case 'truncated': {
        const f = frame(r.unit, pdu);
        return f.subarray(0, Math.max(1, Math.floor(rng.next() * (f.length - 1))));
      }
      case 'oversized':
        return Buffer.concat([frame(r.unit, Buffer.concat([pdu, randomBytes(rng, 260 + Math.floor(rng.next() * 2000))])), randomBytes(rng, 64)]);
      case 'wrong_unit':
        return frame((r.unit + 1 + Math.floor(rng.next() * 200)) & 0xff, pdu);
      case 'wrong_function': {
        const p = Buffer.from(pdu);
        p[0] = [3, 4, 1, 2, 5, 6, 16, 43, 0x7f].filter((f) => f !== r.fn)[Math.floor(rng.next() * 8)]!;
        return frame(r.unit, p);
      }
      case 'wrong_txn':
        return frame(r.unit, pdu, 1 + Math.floor(rng.next() * 1000));
      case 'byte_count': {
        const p = Buffer.from(pdu);
        p[1] = (p[1]! + 1 + Math.floor(rng.next() * 250)) & 0xff;
        return frame(r.unit, p);
      }
      case 'exception':
        return frame(r.unit, Buffer.from([r.fn | 0x80, Math.floor(rng.next() * 256)]));
      case 'silent':
        return 'silent';
      case 'close':
        return 'close';
    }
  }
}

export interface EvilTcpSlave {
  port: number;
  brain: EvilBrain;
  close(): Promise<void>;
}

/** Modbus/TCP: MBAP framing; a request is parsed by its length field. */
export async function startEvilTcpSlave(seed: number, honest: readonly number[] = []): Promise<EvilTcpSlave> {
  const brain = new EvilBrain(seed, honest, evilKinds);
  const sockets = new Set<Socket>();
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    let buf = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 12) {
        const len = buf.readUInt16BE(4);
        if (buf.length < 6 + len) break;
        const txn = buf.readUInt16BE(0);
        const req: Request = { unit: buf[6]!, fn: buf[7]!, address: buf.readUInt16BE(8), count: buf.readUInt16BE(10) };
        buf = buf.subarray(6 + len);
        const frame = (unit: number, pdu: Buffer, txnDelta = 0): Buffer => {
          const h = Buffer.alloc(7);
          h.writeUInt16BE((txn + txnDelta) & 0xffff, 0);
          h.writeUInt16BE(0, 2);
          h.writeUInt16BE(pdu.length + 1, 4);
          h[6] = unit;
          return Buffer.concat([h, pdu]);
        };
        const out = brain.reply(brain.choose(req.unit), req, frame);
        if (out === 'close') {
          sock.destroy();
          return;
        }
        if (out !== 'silent') sock.write(out);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    brain,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export interface EvilRtuSlave {
  brain: EvilBrain;
  close(): Promise<void>;
}

/** RTU on the slave end of a pty pair: 8-byte read requests found by their CRC. */
export async function startEvilRtuSlave(path: string, seed: number, honest: readonly number[] = []): Promise<EvilRtuSlave> {
  const brain = new EvilBrain(seed, honest, evilKinds.filter((k) => k !== 'close' && k !== 'wrong_txn'));
  const fd = openSync(path, 'r+');
  const input: ReadStream = createReadStream('', { fd, autoClose: false, highWaterMark: 256 });
  const output: WriteStream = createWriteStream('', { fd, autoClose: false });
  input.on('error', () => {});
  output.on('error', () => {});
  let buf = Buffer.alloc(0);
  input.on('data', (d: Buffer | string) => {
    buf = Buffer.concat([buf, Buffer.from(d)]);
    while (buf.length >= 8) {
      if (!crcOk(buf.subarray(0, 8))) {
        buf = buf.subarray(1); // resync: drop a byte
        continue;
      }
      const req: Request = { unit: buf[0]!, fn: buf[1]!, address: buf.readUInt16BE(2), count: buf.readUInt16BE(4) };
      buf = buf.subarray(8);
      const out = brain.reply(brain.choose(req.unit), req, (unit, pdu) => withCrc(Buffer.concat([Buffer.from([unit]), pdu])));
      if (out !== 'silent' && out !== 'close') output.write(out);
    }
  });
  return {
    brain,
    close: async () => {
      input.destroy();
      output.destroy();
      try {
        closeSync(fd);
      } catch {
        // already closed by the streams
      }
    },
  };
}
