/**
 * SignalStore at gateway scale: 50 000 signals (500 devices x 100), 100 zones. Medians of
 * snapshot() (what every scrape and gate evaluation reads), of one full poll round written through
 * values(), and of 1 M history pushes; memory of the histories after 15 min worth of samples.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseConfig } from '../../src/config/load.ts';
import { SignalStore } from '../../src/signals/store.ts';

const DEVICES = 500;
const PER_DEVICE = 100;
const lines = ['site: bench', 'gateway_id: bench', 'buses: [{ id: b, transport: tcp, host: 127.0.0.1, port: 1502 }]', 'devices:'];
for (let d = 0; d < DEVICES; d++) {
  lines.push(`  - id: d${d}`, '    bus: b', `    unit: ${d % 247}`, '    poll_ms: 1000', '    signals:');
  for (let s = 0; s < PER_DEVICE; s++) {
    const kind = s === 0 ? 'temperature' : s === 1 ? 'power' : 'generic';
    lines.push(`      - { id: s${d}_${s}, kind: ${kind}, table: input, address: ${s * 2}, type: int16, ${s === 0 ? 'loop: { raw: [0, 27648], eu: [0, 60] }, ' : 'scale: 0.1, '}allow_overlap: true }`);
  }
}
lines.push('zones:');
for (let z = 0; z < 100; z++) {
  const ds = [0, 1, 2, 3, 4].map((k) => z * 5 + k);
  lines.push(`  - { id: z${z}, temperature: [${ds.map((d) => `s${d}_0`).join(', ')}], power: [${ds.map((d) => `s${d}_1`).join(', ')}], limits: { temperature_max: 35, power_budget: 100000 } }`);
}
const config = parseConfig(lines.join('\n'));

let now = Date.UTC(2025, 0, 1);
const store = new SignalStore(config, () => now);
const round = (t: number): void => {
  for (let d = 0; d < DEVICES; d++) {
    const vals: [string, number][] = [];
    for (let s = 0; s < PER_DEVICE; s++) vals.push([`s${d}_${s}`, 13824 + ((t / 1000 + s) % 50)]);
    store.values(`d${d}`, t, vals);
  }
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
function timeIt(n: number, fn: () => void): number {
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

// 15 minutes of 1 s polls fill every zone signal's history.
for (let i = 0; i < 900; i++) {
  now += 1000;
  round(now);
}
const snapshotMs = timeIt(30, () => store.snapshot(now));
const roundMs = timeIt(10, () => {
  now += 1000;
  round(now);
});
const single = new SignalStore(config, () => now);
const pushMs = timeIt(3, () => {
  for (let i = 0; i < 1_000_000; i++) single.values('d0', now + i, [['s0_0', 13824]]);
});

console.log(
  JSON.stringify({
    bench: 'signal-store',
    signals: DEVICES * PER_DEVICE,
    zones: 100,
    snapshot_median_ms: +snapshotMs.toFixed(2),
    poll_round_50k_values_median_ms: +roundMs.toFixed(2),
    values_per_s: Math.round((DEVICES * PER_DEVICE) / (roundMs / 1000)),
    one_signal_1M_samples_median_ms: +pushMs.toFixed(1),
    history_bytes_after_15_min: store.historyBytes(),
    history_bytes_per_zone_signal: store.historyBytes() / 1000,
    heap_used_mb: Math.round(process.memoryUsage().heapUsed / 1e6),
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    node: process.version,
  }),
);
