/**
 * The read planner: which transactions poll a device. Placeholder until the field I/O issue lands:
 * one read per signal, so the interface (and check-config's plan) is already in place.
 */
import { isBitTable, registerCount, type BusConfig, type DeviceConfig, type TableName } from '../config/schema.ts';

export interface PlannedRead {
  table: TableName;
  /** 0-based protocol address of the first register or bit. */
  start: number;
  /** Registers (or bits, for coil and discrete) in the read. */
  count: number;
  /** Signals served by this read, in address order. */
  signals: string[];
}

export function planDevice(device: DeviceConfig, _bus: BusConfig): PlannedRead[] {
  return device.signals
    .map((s) => ({ table: s.table, start: s.address, count: isBitTable(s.table) ? 1 : registerCount(s.type), signals: [s.id] }))
    .sort((a, b) => a.table.localeCompare(b.table) || a.start - b.start);
}
