/**
 * Registers and bits -> values: every type in every word and byte order (ABCD, CDAB, BADC,
 * DCBA), and single bits of a register. Pure functions; the planner decides what gets read.
 */
import { isBitTable, registerCount, type SignalConfig } from '../config/schema.ts';
import type { RawValue } from './readings.ts';

export type DecodeSpec = Pick<SignalConfig, 'table' | 'type' | 'word_order' | 'byte_order' | 'bit'>;

/**
 * One scratch buffer for every decode (at most 4 registers): decoding is synchronous, so it is
 * never shared between two values, and a poll of thousands of signals allocates no ArrayBuffer
 * per value.
 */
const scratch = new DataView(new ArrayBuffer(8));

/** Big-endian bytes of the value's registers after applying word and byte order (in `scratch`). */
function orderedBytes(regs: ArrayLike<number>, offset: number, words: number, spec: DecodeSpec): DataView {
  const view = scratch;
  for (let i = 0; i < words; i++) {
    const w = regs[offset + (spec.word_order === 'little' ? words - 1 - i : i)]!;
    view.setUint16(2 * i, spec.byte_order === 'little' ? ((w & 0xff) << 8) | (w >> 8) : w);
  }
  return view;
}

/**
 * Decodes the signal at `offset` within data read from its table: bits (coil/discrete, 0/1) or
 * 16-bit registers. 64-bit integers become numbers (exact up to 2^53).
 */
export function decodeValue(data: ArrayLike<number>, offset: number, spec: DecodeSpec): RawValue {
  if (isBitTable(spec.table)) return data[offset] === 1;
  if (spec.bit !== undefined) return ((data[offset]! >> spec.bit) & 1) === 1;
  const words = registerCount(spec.type);
  const v = orderedBytes(data, offset, words, spec);
  switch (spec.type) {
    case 'bool':
      return v.getUint16(0) !== 0;
    case 'int16':
      return v.getInt16(0);
    case 'uint16':
      return v.getUint16(0);
    case 'int32':
      return v.getInt32(0);
    case 'uint32':
      return v.getUint32(0);
    case 'float32':
      return v.getFloat32(0);
    case 'int64':
      return Number(v.getBigInt64(0));
    case 'uint64':
      return Number(v.getBigUint64(0));
    case 'float64':
      return v.getFloat64(0);
  }
}

/** Inverse of decodeValue for register types (tests and the simulator build fixtures with it). */
export function encodeValue(value: number, spec: DecodeSpec): number[] {
  const words = registerCount(spec.type);
  const be = new DataView(new ArrayBuffer(words * 2));
  switch (spec.type) {
    case 'bool':
    case 'uint16':
      be.setUint16(0, value);
      break;
    case 'int16':
      be.setInt16(0, value);
      break;
    case 'int32':
      be.setInt32(0, value);
      break;
    case 'uint32':
      be.setUint32(0, value);
      break;
    case 'float32':
      be.setFloat32(0, value);
      break;
    case 'int64':
      be.setBigInt64(0, BigInt(value));
      break;
    case 'uint64':
      be.setBigUint64(0, BigInt(value));
      break;
    case 'float64':
      be.setFloat64(0, value);
      break;
  }
  const out = new Array<number>(words);
  for (let i = 0; i < words; i++) {
    let w = be.getUint16(2 * i);
    if (spec.byte_order === 'little') w = ((w & 0xff) << 8) | (w >> 8);
    out[spec.word_order === 'little' ? words - 1 - i : i] = w;
  }
  return out;
}
