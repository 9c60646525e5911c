/**
 * Modbus read PDUs: the only requests loopgate can build. Read-only by construction: a request is
 * a ReadRequest whose function is one of 1-4, checked again at run time, and nothing in src/field
 * can frame any other function code (5, 6, 15, 16, 22, 23 cannot leave the gateway).
 */
import type { TableName } from '../config/schema.ts';
import { ModbusByteCountError, ModbusExceptionError, ModbusWrongFunctionError } from './modbus-errors.ts';

/** 1 read coils, 2 read discrete inputs, 3 read holding registers, 4 read input registers. */
export type ReadFunctionCode = 1 | 2 | 3 | 4;

export const functionOfTable: Readonly<Record<TableName, ReadFunctionCode>> = { coil: 1, discrete: 2, holding: 3, input: 4 };

export interface ReadRequest {
  unit: number;
  fn: ReadFunctionCode;
  address: number;
  /** Registers (fn 3/4, 1..125) or bits (fn 1/2, 1..2000). */
  count: number;
}

/** Registers (fn 3/4) or bits as 0/1 (fn 1/2), exactly `count` of them. */
export type ReadResult = Uint16Array | Uint8Array;

export function isBitFunction(fn: ReadFunctionCode): boolean {
  return fn === 1 || fn === 2;
}

export function assertReadRequest(r: ReadRequest): void {
  if (r.fn !== 1 && r.fn !== 2 && r.fn !== 3 && r.fn !== 4) throw new RangeError(`refusing function code ${String(r.fn)}: loopgate only reads (1-4)`);
  const max = isBitFunction(r.fn) ? 2000 : 125;
  if (!Number.isInteger(r.count) || r.count < 1 || r.count > max) throw new RangeError(`read count ${r.count} outside 1..${max}`);
  if (!Number.isInteger(r.address) || r.address < 0 || r.address + r.count > 65536) throw new RangeError(`read address ${r.address}+${r.count} outside 0..65535`);
  if (!Number.isInteger(r.unit) || r.unit < 0 || r.unit > 255) throw new RangeError(`unit ${r.unit} outside 0..255`);
}

/** The 5-byte request PDU: function, address, count. */
export function encodeReadPdu(r: ReadRequest): Buffer {
  assertReadRequest(r);
  const pdu = Buffer.alloc(5);
  pdu[0] = r.fn;
  pdu.writeUInt16BE(r.address, 1);
  pdu.writeUInt16BE(r.count, 3);
  return pdu;
}

/** Data bytes a correct reply carries. */
export function replyByteCount(r: ReadRequest): number {
  return isBitFunction(r.fn) ? Math.ceil(r.count / 8) : r.count * 2;
}

/** Reply PDU length (function + byte count + data). */
export function replyPduLength(r: ReadRequest): number {
  return 2 + replyByteCount(r);
}

/**
 * Parses a reply PDU (function code first) for request r: values, or a typed error for an
 * exception, a wrong function or a wrong byte count. `where` names the bus/device for messages.
 */
export function decodeReplyPdu(r: ReadRequest, pdu: Uint8Array, where: string): ReadResult {
  const fn = pdu[0];
  if (fn === (r.fn | 0x80)) throw new ModbusExceptionError(pdu[1] ?? 0, `${where}: fn ${r.fn} @${r.address}+${r.count}`);
  if (fn !== r.fn) throw new ModbusWrongFunctionError(`${where}: asked function ${r.fn}, reply has ${String(fn)}`);
  const expected = replyByteCount(r);
  const declared = pdu[1] ?? -1;
  if (declared !== expected || pdu.length !== 2 + expected) {
    throw new ModbusByteCountError(`${where}: fn ${r.fn} @${r.address}+${r.count}: expected ${expected} data bytes, reply declares ${declared} and carries ${pdu.length - 2}`);
  }
  if (isBitFunction(r.fn)) {
    const bits = new Uint8Array(r.count);
    for (let i = 0; i < r.count; i++) bits[i] = (pdu[2 + (i >> 3)]! >> (i & 7)) & 1;
    return bits;
  }
  const regs = new Uint16Array(r.count);
  for (let i = 0; i < r.count; i++) regs[i] = (pdu[2 + 2 * i]! << 8) | pdu[3 + 2 * i]!;
  return regs;
}
