/**
 * The protocol core both simulated slaves share: a request PDU -> the reply PDU a RegisterSource
 * gives (or null when the device stays silent). Read function codes 1-4 only; any other function
 * code (the writes above all) is answered with exception 1, so a test can prove none was sent.
 */
import type { ReadFunction, RegisterSource } from './register-source.ts';

export function exceptionPdu(fn: number, code: number): Buffer {
  return Buffer.of((fn | 0x80) & 0xff, code);
}

export async function answerPdu(source: RegisterSource, unit: number, pdu: Uint8Array): Promise<Buffer | null> {
  const fn = pdu[0] ?? 0;
  if (fn < 1 || fn > 4 || pdu.length !== 5) return exceptionPdu(fn, 1);
  const address = (pdu[1]! << 8) | pdu[2]!;
  const count = (pdu[3]! << 8) | pdu[4]!;
  const bits = fn <= 2;
  if (count < 1 || count > (bits ? 2000 : 125)) return exceptionPdu(fn, 3);
  if (address + count > 65536) return exceptionPdu(fn, 2);
  const reply = await source.read(unit, fn as ReadFunction, address, count);
  if (reply.kind === 'silent') return null;
  if (reply.kind === 'exception') return exceptionPdu(fn, reply.code);
  if (reply.values.length !== count) return exceptionPdu(fn, 4);
  if (bits) {
    const out = Buffer.alloc(2 + Math.ceil(count / 8));
    out[0] = fn;
    out[1] = out.length - 2;
    reply.values.forEach((v, i) => {
      if (v) out[2 + (i >> 3)]! |= 1 << (i & 7);
    });
    return out;
  }
  const out = Buffer.alloc(2 + 2 * count);
  out[0] = fn;
  out[1] = 2 * count;
  reply.values.forEach((v, i) => out.writeUInt16BE(v & 0xffff, 2 + 2 * i));
  return out;
}

/** Counts of every function code a slave received, valid or not. */
export class FunctionCodeLog extends Map<number, number> {
  record(fn: number): void {
    this.set(fn, (this.get(fn) ?? 0) + 1);
  }
}
