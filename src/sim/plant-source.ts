/**
 * The plant as a RegisterSource for one bus endpoint: unit id -> simulated device, function code
 * -> table, register -> the signal that owns it. Device faults (offline, slow, exception) act here.
 */
import { isBitTable, registerCount, type TableName } from '../config/schema.ts';
import type { SimDevice, SimEndpoint, SimSignal } from './plant-layout.ts';
import type { Plant } from './plant.ts';
import type { ReadFunction, RegisterSource, SlaveReply } from './register-source.ts';

const tableOf: Record<ReadFunction, TableName> = { 1: 'coil', 2: 'discrete', 3: 'holding', 4: 'input' };

/** Modbus exceptions the source answers with. */
export const EXCEPTION = { illegalFunction: 1, illegalAddress: 2, gatewayTargetFailed: 11 } as const;

interface Slot {
  signal: SimSignal;
  /** Which of the signal's registers this address holds. */
  word: number;
}

interface DeviceMap {
  device: SimDevice;
  tables: Map<TableName, Map<number, Slot>>;
}

export class PlantRegisterSource implements RegisterSource {
  private readonly plant: Plant;
  private readonly units = new Map<number, DeviceMap>();
  private readonly pending = new Set<{ timer: NodeJS.Timeout; resolve: (r: SlaveReply) => void }>();
  /** Reads answered per device id (values, exceptions and silences alike). */
  readonly served = new Map<string, number>();

  constructor(plant: Plant, endpoint: SimEndpoint) {
    this.plant = plant;
    for (const device of endpoint.devices) {
      const tables = new Map<TableName, Map<number, Slot>>();
      for (const signal of device.signals) {
        const t = signal.config.table;
        const slots = tables.get(t) ?? new Map<number, Slot>();
        tables.set(t, slots);
        const n = isBitTable(t) ? 1 : registerCount(signal.config.type);
        for (let word = 0; word < n; word++) if (!slots.has(signal.config.address + word)) slots.set(signal.config.address + word, { signal, word });
      }
      this.units.set(device.unit, { device, tables });
    }
  }

  read(unit: number, fn: ReadFunction, address: number, count: number): SlaveReply | Promise<SlaveReply> {
    const dm = this.units.get(unit);
    // A TCP endpoint serving several unit ids answers for a missing one as a gateway would.
    if (!dm) return { kind: 'exception', code: EXCEPTION.gatewayTargetFailed };
    this.served.set(dm.device.id, (this.served.get(dm.device.id) ?? 0) + 1);
    const fault = this.plant.deviceFault(dm.device.id);
    if (fault?.offline) return { kind: 'silent' };
    if (fault?.exception !== undefined) return { kind: 'exception', code: fault.exception };
    if (fault?.slowMs !== undefined && fault.slowMs > 0) return this.later(fault.slowMs, () => this.answer(dm, fn, address, count));
    return this.answer(dm, fn, address, count);
  }

  /** "unit N: device-id" for each device this endpoint serves. */
  devices(): string[] {
    return [...this.units].map(([unit, dm]) => `unit ${unit}: ${dm.device.id}`);
  }

  /** Drops pending slow replies (they answer silent); the slave is closing. */
  close(): void {
    for (const p of this.pending) {
      clearTimeout(p.timer);
      p.resolve({ kind: 'silent' });
    }
    this.pending.clear();
  }

  private answer(dm: DeviceMap, fn: ReadFunction, address: number, count: number): SlaveReply {
    const table = tableOf[fn];
    const slots = dm.tables.get(table);
    if (!slots) return { kind: 'exception', code: EXCEPTION.illegalAddress };
    const values: number[] = [];
    const cache = new Map<SimSignal, number[]>();
    let mapped = 0;
    for (let a = address; a < address + count; a++) {
      const slot = slots.get(a);
      if (!slot) {
        if (dm.device.strictHoles) return { kind: 'exception', code: EXCEPTION.illegalAddress };
        values.push(0);
        continue;
      }
      mapped++;
      if (isBitTable(table)) {
        values.push(this.plant.bitOf(slot.signal) ? 1 : 0);
        continue;
      }
      let regs = cache.get(slot.signal);
      if (!regs) {
        regs = this.plant.registersOf(slot.signal);
        cache.set(slot.signal, regs);
      }
      values.push(regs[slot.word] ?? 0);
    }
    // A read that touches none of the device's registers is an illegal address.
    if (mapped === 0) return { kind: 'exception', code: EXCEPTION.illegalAddress };
    return { kind: 'values', values };
  }

  private later(ms: number, fn: () => SlaveReply): Promise<SlaveReply> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.pending.delete(entry);
          resolve(fn());
        }, ms),
        resolve,
      };
      entry.timer.unref();
      this.pending.add(entry);
    });
  }
}
