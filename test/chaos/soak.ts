/**
 * Soak and chaos (`npm run test:chaos -- [--duration S] [--report]`): the real daemon polls the
 * simulated plant (its own process) at 100 ms with staleness at 1 s, while faults are injected
 * through the plant's HTTP control (wire break, short, stuck, device offline, slow, exceptions),
 * mosquitto is restarted, the OTLP receiver goes away and comes back, and 50 gRPC clients ask the
 * gate without pause. Asserted: the daemon never exits or logs an unhandled rejection; no ALLOW
 * for a zone whose input had been bad or stale long enough to show (answered before the fault
 * was cleared); RSS growth < 10 % after warm-up; no MQTT reading lost (per-signal seq, every
 * sample published). Prints one JSON line; --report writes README's reliability table.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { loadGateGrpc } from '../../src/api/proto-load.ts';
import type { Decision__Output } from '../../src/gate/generated/loopgate/v1/Decision.ts';
import { Prng } from '../../src/sim/prng.ts';
import { binPath } from '../helpers/cli.ts';
import { unitNodeFlags } from '../helpers/unit-flags.ts';
import { OtlpReceiver } from '../export/otlp-receiver.ts';
import { waitForPort } from '../export/mqtt-peers.ts';
import { freePort, Mosquitto, POLL_MS, rssBytes, SeqTracker, soakConfig, STALE_AFTER_MS, type SoakPorts } from './soak-peers.ts';
import { writeReport, type SoakResult } from './report.ts';

const { values: opts } = parseArgs({ options: { duration: { type: 'string', default: '600' }, report: { type: 'boolean', default: false }, seed: { type: 'string', default: '7' } } });
const durationS = Number(opts.duration);
const CLIENTS = 50;
const rng = new Prng(Number(opts.seed));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dir = mkdtempSync(join(tmpdir(), 'loopgate-soak-'));
const ports: SoakPorts = { plc: 0, pdu: 0, control: 0, gate: 0, metrics: 0, mqtt: 0, otlp: 0 };
for (const k of Object.keys(ports) as (keyof SoakPorts)[]) ports[k] = await freePort();
const { file, text } = soakConfig(dir, ports);
const cfg = JSON.parse(text) as { devices: { id: string; signals: { id: string }[] }[]; zones: { id: string; temperature: string[]; power: string[] }[] };
const zoneOfSignal = new Map<string, string>();
for (const z of cfg.zones) for (const s of [...z.temperature, ...z.power]) zoneOfSignal.set(s, z.id);
const zonesOfDevice = new Map(cfg.devices.map((d) => [d.id, [...new Set(d.signals.map((s) => zoneOfSignal.get(s.id)).filter((z): z is string => !!z))]]));
const loopSignals = cfg.zones.flatMap((z) => z.temperature);

const failures: string[] = [];
const procs: ChildProcess[] = [];
// The daemon runs with the Node flags of systemd/loopgate.service's ExecStart (heap bounds).
const nodeFlags = unitNodeFlags();
function start(args: string[], name: string, flags: string[] = []): { child: ChildProcess; out: () => string } {
  const child = spawn(process.execPath, [...flags, binPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(child);
  let out = '';
  const keep = (d: Buffer): void => {
    const s = d.toString();
    if (/unhandled|"level":60/i.test(s)) failures.push(`${name}: ${s.slice(0, 500)}`);
    out = (out + s).slice(-200_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { child, out: () => out };
}

const mosquitto = new Mosquitto(dir, ports.mqtt);
await mosquitto.start();
const tracker = new SeqTracker();
await tracker.start(ports.mqtt);
const otlp = new OtlpReceiver();
await otlp.start(ports.otlp);

const sim = start(['simulate', '--config', file, '--control', `127.0.0.1:${ports.control}`], 'simulate');
await waitForPort(ports.control, 30_000);
const control = async (path: string, body: unknown): Promise<number> => (await fetch(`http://127.0.0.1:${ports.control}${path}`, { method: 'POST', body: JSON.stringify(body) })).status;

const daemon = start(['run', '--config', file], 'daemon', nodeFlags);
let stopping = false;
daemon.child.on('exit', (code, sig) => {
  if (!stopping) failures.push(`daemon exited (${code ?? sig}) during the soak:\n${daemon.out().slice(-3000)}`);
});
const readyBy = Date.now() + 60_000;
for (;;) {
  const ok = await fetch(`http://127.0.0.1:${ports.metrics}/readyz`).then((r) => r.status === 200, () => false);
  if (ok) break;
  if (Date.now() > readyBy || daemon.child.exitCode !== null) throw new Error(`daemon not ready:\n${daemon.out().slice(-3000)}`);
  await sleep(100);
}

const t0 = Date.now();
const endAt = t0 + durationS * 1000;
const warmupMs = Math.max(20_000, durationS * 250);

// Fault windows: while a window is established (start + settle) and not yet cleared, its zones must not ALLOW.
interface Window { zones: string[]; target: string; fault: string; start: number; settleMs: number; clearedAt: number }
const windows: Window[] = [];
const faultCounts: Record<string, number> = {};
const active = new Set<string>();
async function faults(): Promise<void> {
  while (Date.now() < endAt - 3000) {
    await sleep(800 + rng.next() * 1200);
    const r = rng.next();
    if (r < 0.2) {
      await control('/weight', { zone: pick(cfg.zones).id, weight: Math.floor(rng.next() * 70) });
      continue;
    }
    const isSignal = r < 0.55;
    const target = isSignal ? pick(loopSignals) : pick(cfg.devices).id;
    if (active.has(target)) continue;
    const fault = isSignal ? pick(['wire_break', 'short', 'stuck'] as const) : pick(['offline', 'slow', 'slow_timeout', 'exception'] as const);
    const body = fault === 'slow' ? { target, fault, delay_ms: 150 } : fault === 'slow_timeout' ? { target, fault: 'slow', delay_ms: 600 } : fault === 'exception' ? { target, fault, code: pick([2, 4, 6, 11]) } : { target, fault };
    const status = await control('/fault', body);
    if (status !== 200) {
      failures.push(`plant control refused ${JSON.stringify(body)}: ${status}`);
      continue;
    }
    faultCounts[fault] = (faultCounts[fault] ?? 0) + 1;
    active.add(target);
    const start = Date.now();
    const holdMs = 1500 + rng.next() * 3500;
    // bad within a poll (NE43) or stale after stale_after_ms; generous margins for a loaded machine.
    const settleMs = fault === 'wire_break' || fault === 'short' ? 3 * POLL_MS + 700 : STALE_AFTER_MS + 3 * POLL_MS + 1500;
    const constrained = ['wire_break', 'short', 'offline', 'exception', 'slow_timeout'].includes(fault);
    const w: Window = { zones: isSignal ? [zoneOfSignal.get(target)!] : zonesOfDevice.get(target)!, target, fault, start, settleMs, clearedAt: Infinity };
    if (constrained) windows.push(w);
    void (async () => {
      await sleep(holdMs);
      w.clearedAt = Date.now();
      await control('/fault', { target, fault: 'clear' });
      active.delete(target);
    })();
  }
}

async function brokerChaos(): Promise<void> {
  while (Date.now() < endAt - 15_000) {
    await sleep(15_000 + rng.next() * 10_000);
    await mosquitto.restart(500 + rng.next() * 2500);
  }
}
let otlpOutages = 0;
async function otlpChaos(): Promise<void> {
  while (Date.now() < endAt - 12_000) {
    await sleep(8_000 + rng.next() * 6_000);
    await otlp.stop();
    otlpOutages++;
    await sleep(2_000 + rng.next() * 4_000);
    await otlp.start(ports.otlp);
  }
}

const Gate = loadGateGrpc().loopgate.v1.Gate;
let answered = 0;
let errors = 0;
let allows = 0;
const violations: string[] = [];
async function client(i: number): Promise<void> {
  const c = new Gate(`127.0.0.1:${ports.gate}`, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
  const prng = new Prng(1000 + i);
  while (Date.now() < endAt) {
    const zone = cfg.zones[Math.floor(prng.next() * cfg.zones.length)]!.id;
    const current = Math.floor(prng.next() * 40);
    const req = { rollout: { namespace: 'soak', name: `r${i}` }, zones: [zone], current_weight: current, proposed_weight: current + 1 + Math.floor(prng.next() * 10), dry_run: true, canary_revision: '', request_id: '' };
    const sentAt = Date.now();
    const d = await new Promise<Decision__Output | undefined>((resolve) => c.Evaluate(req, { deadline: Date.now() + 5000 }, (err, res) => resolve(err ? undefined : res)));
    const at = Date.now();
    if (!d) {
      errors++;
      continue;
    }
    answered++;
    if (d.verdict !== 'VERDICT_ALLOW') continue;
    allows++;
    if (d.oldest_input_age_seconds < 0 || d.oldest_input_age_seconds * 1000 > STALE_AFTER_MS) violations.push(`ALLOW ${zone} with oldest input age ${d.oldest_input_age_seconds} s`);
    for (const w of windows) {
      if (w.zones.includes(zone) && sentAt >= w.start + w.settleMs && at < w.clearedAt) violations.push(`ALLOW ${zone} during ${w.fault} on ${w.target} (${sentAt - w.start} ms after injection)`);
    }
  }
  c.close();
}

const rss: { at: number; bytes: number }[] = [];
async function sampleRss(): Promise<void> {
  while (Date.now() < endAt) {
    if (daemon.child.pid && daemon.child.exitCode === null) rss.push({ at: Date.now() - t0, bytes: rssBytes(daemon.child.pid) });
    await sleep(2000);
  }
}

await Promise.all([faults(), brokerChaos(), otlpChaos(), sampleRss(), ...Array.from({ length: CLIENTS }, (_, i) => client(i))]);

// Drain: clear faults, let the spool flush after the last broker restart, then stop.
await control('/fault', { target: '*', fault: 'clear' });
const drainBy = Date.now() + 20_000;
let lost = tracker.lost();
while (lost.lost > 0 && Date.now() < drainBy) {
  await sleep(500);
  lost = tracker.lost();
}
stopping = true;
daemon.child.kill('SIGTERM');
const code = daemon.child.exitCode ?? (await new Promise<number | null>((r) => daemon.child.once('exit', (c) => r(c))));
if (code !== 0) failures.push(`daemon exit ${code} on SIGTERM`);
sim.child.kill('SIGTERM');
await tracker.stop();
await otlp.stop();
await mosquitto.stop();
for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
rmSync(dir, { recursive: true, force: true });

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const base = median(rss.filter((s) => s.at >= warmupMs && s.at < warmupMs + 10_000).map((s) => s.bytes));
const last = median(rss.slice(-5).map((s) => s.bytes));
const growth = base > 0 ? last / base - 1 : 0;
if (growth >= 0.1) failures.push(`RSS grew ${(growth * 100).toFixed(1)} % after warm-up (${base} -> ${last})`);
if (violations.length > 0) failures.push(`${violations.length} unsafe ALLOWs, e.g. ${violations.slice(0, 5).join('; ')}`);
if (tracker.sessionsLost > 0) failures.push(`the broker lost the subscriber's session on ${tracker.sessionsLost} of ${tracker.reconnects} reconnects (mosquitto persistence): MQTT loss cannot be judged`);
if (lost.lost > 0) failures.push(`${lost.lost} MQTT readings lost: ${JSON.stringify(lost.bySignal)}`);
if (answered === 0) failures.push('no gate answer at all');

const result: SoakResult = {
  duration_s: durationS,
  clients: CLIENTS,
  poll_ms: POLL_MS,
  evaluations: answered,
  evaluations_per_s: Math.round(answered / durationS),
  allows,
  gate_errors: errors,
  unsafe_allows: violations.length,
  faults: faultCounts,
  fault_windows_checked: windows.length,
  broker_restarts: mosquitto.restarts,
  otlp_outages: otlpOutages,
  mqtt_messages: tracker.messages,
  mqtt_readings_expected: lost.expected,
  mqtt_lost: lost.lost,
  mqtt_subscriber_reconnects: tracker.reconnects,
  rss_mb: { after_warmup: Math.round(base / 1e5) / 10, end: Math.round(last / 1e5) / 10, growth_pct: Math.round(growth * 1000) / 10 },
  crashed: failures.some((f) => f.includes('exited')),
  failures,
  node_flags: nodeFlags,
  machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version },
};
console.log(JSON.stringify(result));
if (opts.report) writeReport(result);
process.exit(failures.length === 0 ? 0 : 1);
