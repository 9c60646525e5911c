/**
 * Engineering value -> the 16-bit registers a device would hold, in the layout DESIGN.md defines:
 * word_order big = most significant word first (ABCD), little = least significant first (CDAB);
 * byte_order little swaps the two bytes inside each word (BADC / DCBA).
 */
import { registerCount, type SignalConfig, type ValueType } from '../config/schema.ts';

type Layout = Pick<SignalConfig, 'type' | 'word_order' | 'byte_order'>;

/** The value a device stores for an engineering value: the inverse of scale/offset. */
export function toRawNumber(sig: Pick<SignalConfig, 'scale' | 'offset'>, eu: number): number {
  return (eu - (sig.offset ?? 0)) / (sig.scale ?? 1);
}

export function encodeRegisters(sig: Layout, raw: number): number[] {
  const words = registerCount(sig.type);
  const buf = new DataView(new ArrayBuffer(words * 2));
  writeBigEndian(buf, sig.type, raw);
  const regs: number[] = [];
  for (let i = 0; i < words; i++) regs.push(buf.getUint16(i * 2, false));
  if (sig.word_order === 'little') regs.reverse();
  return sig.byte_order === 'little' ? regs.map((w) => ((w & 0xff) << 8) | (w >> 8)) : regs;
}

function writeBigEndian(buf: DataView, type: ValueType, x: number): void {
  switch (type) {
    case 'bool':
      buf.setUint16(0, x ? 1 : 0);
      return;
    case 'int16':
      buf.setInt16(0, clampInt(x, -32768, 32767));
      return;
    case 'uint16':
      // Two's complement, as an S7 delivers a negative int16 to a client that reads uint16.
      buf.setUint16(0, clampInt(x, -32768, 65535) & 0xffff);
      return;
    case 'int32':
      buf.setInt32(0, clampInt(x, -2147483648, 2147483647));
      return;
    case 'uint32':
      buf.setUint32(0, clampInt(x, 0, 4294967295));
      return;
    case 'int64':
      buf.setBigInt64(0, BigInt(clampInt(x, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)));
      return;
    case 'uint64':
      buf.setBigUint64(0, BigInt(clampInt(x, 0, Number.MAX_SAFE_INTEGER)));
      return;
    case 'float32':
      buf.setFloat32(0, x);
      return;
    case 'float64':
      buf.setFloat64(0, x);
      return;
  }
}

function clampInt(x: number, lo: number, hi: number): number {
  if (!Number.isFinite(x)) return x > 0 ? hi : lo;
  return Math.min(hi, Math.max(lo, Math.round(x)));
}
