/**
 * The read planner: which transactions poll a device. Per table, signals sorted by address are
 * packed left to right into reads of at most 125 registers (2000 bits; a device's max_registers),
 * reading across a hole only when the hole costs less wire time than another transaction on the
 * bus (and is no larger than the device's max_gap). Packing each read as far as it goes gives the
 * fewest transactions under these rules; the result is deterministic (sorted by table, address,
 * then signal id). `no_merge` gives one read per signal.
 */
import { isBitTable, registerCount, tables, type BusConfig, type DeviceConfig, type SignalConfig, type TableName } from '../config/schema.ts';
import { charTimeS, t35S } from './wire-timing.ts';

export interface PlannedRead {
  table: TableName;
  /** 0-based protocol address of the first register or bit. */
  start: number;
  /** Registers (or bits, for coil and discrete) in the read. */
  count: number;
  /** Signals served by this read, in address order. */
  signals: string[];
}

/** Registers or bits the signal occupies in its table. */
export function signalWidth(s: Pick<SignalConfig, 'table' | 'type' | 'bit'>): number {
  return isBitTable(s.table) || s.bit !== undefined ? 1 : registerCount(s.type);
}

/** Modbus/TCP: a transaction costs a round trip; reading a hole costs bytes at LAN speed. */
const TCP_TRANSACTION_S = 0.001;
const TCP_BYTE_S = 8 / 100e6;
/** RTU bytes a read costs besides its data: request 8, reply unit+fn+count+crc 5. */
const RTU_OVERHEAD_BYTES = 13;

/**
 * Largest hole (in registers, or bits for bit tables) worth reading across instead of starting
 * another transaction: the hole's wire time must be strictly below one transaction's fixed cost.
 */
export function costGap(bus: BusConfig, bitTable: boolean): number {
  let txnS: number;
  let byteS: number;
  if (bus.transport === 'tcp') {
    txnS = TCP_TRANSACTION_S;
    byteS = TCP_BYTE_S;
  } else {
    byteS = charTimeS(bus);
    txnS = RTU_OVERHEAD_BYTES * byteS + 2 * t35S(bus);
  }
  const unitBytes = bitTable ? 1 / 8 : 2;
  // largest g with g * unitBytes * byteS < txnS
  // (a hair of tolerance: at <= 19200 baud the ratio is exactly 10 registers, not 10.000000001)
  const g = Math.ceil(txnS / (unitBytes * byteS) - 1e-9) - 1;
  return Math.max(0, Math.min(g, bitTable ? 1999 : 124));
}

export interface PlanLimits {
  maxCount: number;
  maxGap: number;
}

export function limitsFor(device: Pick<DeviceConfig, 'max_gap' | 'max_registers'>, bus: BusConfig, table: TableName): PlanLimits {
  const bits = isBitTable(table);
  const cost = costGap(bus, bits);
  return { maxCount: bits ? 2000 : device.max_registers, maxGap: device.max_gap === undefined ? cost : Math.min(cost, device.max_gap) };
}

interface Span {
  id: string;
  start: number;
  end: number;
}

/** Greedy packing of address-sorted spans; exported for the planner tables and benchmark. */
export function packSpans(table: TableName, spans: readonly Span[], limits: PlanLimits): PlannedRead[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start || a.end - b.end || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const reads: PlannedRead[] = [];
  let cur: { start: number; end: number; signals: string[] } | undefined;
  for (const s of sorted) {
    if (cur && s.start - cur.end <= limits.maxGap && Math.max(cur.end, s.end) - cur.start <= limits.maxCount) {
      cur.end = Math.max(cur.end, s.end);
      cur.signals.push(s.id);
      continue;
    }
    if (cur) reads.push({ table, start: cur.start, count: cur.end - cur.start, signals: cur.signals });
    cur = { start: s.start, end: s.end, signals: [s.id] };
  }
  if (cur) reads.push({ table, start: cur.start, count: cur.end - cur.start, signals: cur.signals });
  return reads;
}

export function planDevice(device: DeviceConfig, bus: BusConfig): PlannedRead[] {
  const out: PlannedRead[] = [];
  for (const table of tables) {
    const spans = device.signals.filter((s) => s.table === table).map((s) => ({ id: s.id, start: s.address, end: s.address + signalWidth(s) }));
    if (spans.length === 0) continue;
    if (device.no_merge) {
      out.push(...packSpans(table, spans, { maxCount: 0, maxGap: -1 }));
      continue;
    }
    out.push(...packSpans(table, spans, limitsFor(device, bus, table)));
  }
  return out;
}
