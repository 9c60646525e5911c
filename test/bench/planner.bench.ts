/**
 * Read planner: transactions per poll for fixture device maps of 10, 100 and 1000 scattered
 * signals, against one read per signal and against the minimum under the same rules (window,
 * max hole), computed here independently by dynamic programming. Also the RTU wire time per
 * poll at 19200 8E1 for the plan and for one read per signal.
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { configSchema, registerCount, type BusConfig, type DeviceConfig, type TableName } from '../../src/config/schema.ts';
import { limitsFor, planDevice, signalWidth, type PlannedRead } from '../../src/field/planner.ts';
import { t35S, wireTimeS } from '../../src/field/wire-timing.ts';

function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n signals over holding and input, mixed types, holes of 0-30 registers (seeded). */
function fixture(n: number): DeviceConfig {
  const rnd = prng(n);
  const types = ['uint16', 'int16', 'float32', 'uint32', 'float64'] as const;
  const next: Record<string, number> = { holding: 0, input: 0 };
  const signals = Array.from({ length: n }, (_, i) => {
    const table = rnd() < 0.6 ? 'holding' : 'input';
    const type = types[Math.floor(rnd() * types.length)]!;
    const hole = rnd() < 0.5 ? 0 : Math.floor(rnd() * 31);
    const address = next[table]! + hole;
    next[table] = address + registerCount(type);
    return { id: `s${i}`, table, address, type };
  });
  return configSchema.parse({ site: 's', buses: [{ id: 'b', transport: 'tcp', host: 'h' }], devices: [{ id: 'd', bus: 'b', unit: 1, signals }] }).devices[0]!;
}

/** Fewest reads covering the table's signals in address order under the same window and hole limits. */
function optimum(device: DeviceConfig, bus: BusConfig): number {
  let total = 0;
  for (const table of ['coil', 'discrete', 'holding', 'input'] as TableName[]) {
    const spans = device.signals.filter((s) => s.table === table).map((s) => [s.address, s.address + signalWidth(s)] as const).sort((a, b) => a[0] - b[0]);
    if (spans.length === 0) continue;
    const { maxCount, maxGap } = limitsFor(device, bus, table);
    const best = new Array<number>(spans.length + 1).fill(Infinity);
    best[0] = 0;
    for (let j = 1; j <= spans.length; j++) {
      // group spans[i..j-1]: feasible while its width fits and every hole inside is small enough
      let end = spans[j - 1]![1];
      for (let i = j - 1; i >= 0; i--) {
        if (i < j - 1 && spans[i + 1]![0] - spans[i]![1] > maxGap) break;
        end = Math.max(end, spans[i]![1]);
        if (end - spans[i]![0] > maxCount) break;
        best[j] = Math.min(best[j]!, best[i]! + 1);
      }
    }
    total += best[spans.length]!;
  }
  return total;
}

const rtu19200: Extract<BusConfig, { transport: 'rtu' }> = { id: 'r', transport: 'rtu', path: '/dev/null', baud: 19200, data_bits: 8, parity: 'even', stop_bits: 1, timeout_ms: 300, retries: 1, busy_retry_ms: 200 };
const tcp: BusConfig = { id: 't', transport: 'tcp', host: 'h', port: 502, timeout_ms: 1000, retries: 1, busy_retry_ms: 200 };

function rtuPollS(reads: readonly PlannedRead[]): number {
  return reads.reduce((s, r) => s + wireTimeS(rtu19200, 8 + 5 + 2 * r.count) + 2 * t35S(rtu19200), 0);
}

const results: Record<string, unknown> = {};
for (const n of [10, 100, 1000]) {
  const dev = fixture(n);
  for (const [name, bus] of [['rtu_19200', rtu19200], ['tcp', tcp]] as const) {
    const times: number[] = [];
    let plan: PlannedRead[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      plan = planDevice(dev, bus);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const single = planDevice({ ...dev, no_merge: true }, bus);
    results[`${name}_${n}_signals`] = {
      planner_transactions: plan.length,
      one_per_signal: single.length,
      optimum_dp: optimum(dev, bus),
      ...(bus.transport === 'rtu' ? { wire_ms_per_poll_plan: +(rtuPollS(plan) * 1000).toFixed(1), wire_ms_per_poll_one_per_signal: +(rtuPollS(single) * 1000).toFixed(1) } : {}),
      plan_ms_median: +times[10]!.toFixed(3),
    };
  }
}
console.log(JSON.stringify({ bench: 'planner', results, machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version } }));
