/**
 * Gate API benchmark: Evaluate latency (p50, p99) and throughput at 1, 16 and 64 concurrent
 * clients, plaintext and mTLS, against the real Gate server and, side by side in the same run, a
 * no-op grpc-js handler on the same messages (same requests; it replies with a Decision the gate
 * itself gave to the bench's request, so both put the same bytes on the wire). The load generator
 * is a child process (gate-load.ts). Each configuration is warmed up on both handlers before its
 * measured rounds. Then a heap run: N calls against the Gate server with the server's heap (after
 * GC) sampled along the way. Prints one JSON line.
 *
 *   npm run bench -- gate      (BENCH_HEAP_CALLS=1000000 BENCH_HEAP_ONLY=1 for the 1 M-call heap run alone)
 */
import { fork, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as grpc from '@grpc/grpc-js';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { pino } from 'pino';
import { createLogger } from '../../src/log.ts';
import { TurnBatchedDestination } from '../../src/log-destination.ts';
import { GrpcServer, serverOptions } from '../../src/api/grpc-server.ts';
import { loadGateGrpc } from '../../src/api/proto-load.ts';
import { serverCredentials } from '../../src/api/server-credentials.ts';
import type { GateHandlers } from '../../src/gate/generated/loopgate/v1/Gate.ts';
import { Readiness } from '../../src/readiness.ts';
import { plant, plantConfig, rollout } from '../gate/fixtures.ts';
import { evaluateRequest, type RunRequest, type RunResult } from './gate-load.ts';
import type { Decision } from '../../src/gate/proto-types.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 7);
const DURATION_MS = Number(process.env['BENCH_DURATION_MS'] ?? 1000);
const HEAP_CALLS = Number(process.env['BENCH_HEAP_CALLS'] ?? 100_000);
/** Unmeasured load on each handler before a configuration's rounds (JIT, connections, caches, reservations). */
const WARMUP_MS = Number(process.env['BENCH_WARMUP_MS'] ?? 2000);
const CONCURRENCY = [1, 16, 64];
/** BENCH_HEAP_ONLY=1: skip the latency table (the long 1 M-call heap run on its own). */
const HEAP_ONLY = process.env['BENCH_HEAP_ONLY'] === '1';

// Certificates for the mTLS runs.
const dir = mkdtempSync(join(os.tmpdir(), 'loopgate-bench-'));
const ossl = (...a: string[]) => execFileSync('/usr/bin/openssl', a, { cwd: dir, stdio: 'ignore' });
ossl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=bench-ca', '-days', '1');
for (const [name, cn, ext] of [['server', 'localhost', 'subjectAltName=IP:127.0.0.1\n'], ['client', 'bench-client', 'extendedKeyUsage=clientAuth\n']] as const) {
  ossl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
  writeFileSync(join(dir, `${name}.ext`), ext);
  ossl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', '-extfile', `${name}.ext`);
  chmodSync(join(dir, `${name}.key`), 0o600);
}
const tlsConf = { cert: join(dir, 'server.crt'), key: join(dir, 'server.key'), client_ca: join(dir, 'ca.crt'), allowed_clients: ['bench-client'] };
const clientTls = { ca: join(dir, 'ca.crt'), key: join(dir, 'client.key'), cert: join(dir, 'client.crt') };

// The real gate: engine over a fed store, decisions logged and counted (OTel SDK). The logger is
// the daemon's own (createLogger: ISO time, base fields, lines written synchronously once per
// event-loop turn), writing to /dev/null instead of stdout.
const devNull = pino.destination({ dest: '/dev/null', sync: true });
const log = createLogger({ level: 'info', pretty: false, destination: new TurnBatchedDestination((chunk) => void devNull.write(chunk)) });
const meter = new MeterProvider().getMeter('bench');
const p = plant(plantConfig(), { log, meter });
const feeder = setInterval(() => p.feed({}), 200);
p.feed({});
await p.engine.start();
/**
 * What the no-op handler replies: the gate's own answer to the bench's request (taken as a dry
 * run, then marked as not one), refreshed after each gate warm-up so it matches what the gate is
 * answering then (in steady state a HOLD with one reason, ~490 bytes; a fresh ALLOW is ~300).
 */
let canned: Decision = p.engine.evaluate(rollout('sample', 10, 11, { dry_run: true }));
const refreshCanned = (): void => {
  canned = { ...p.engine.evaluate({ ...evaluateRequest(0), dry_run: true }), dry_run: false };
};
const responseBytes = (d: Decision): number => loadGateGrpc().loopgate.v1.Gate.service.Evaluate.responseSerialize(d).length;

async function gateServer(tls: boolean): Promise<{ address: string; stop: () => Promise<void> }> {
  const gate = plantConfig({ gate: tls ? { tls: tlsConf } : {} }).gate;
  const readiness = new Readiness();
  readiness.seal();
  const s = new GrpcServer({ gate, engine: p.engine, readiness, log, clock: () => Date.now() });
  await s.start();
  return { address: `127.0.0.1:${s.port}`, stop: () => s.stop() };
}

async function noopServer(tls: boolean): Promise<{ address: string; stop: () => Promise<void> }> {
  // Same server options (keepalive, stream bounds) as the gate's, so only the handler differs.
  const server = new grpc.Server(serverOptions);
  const handlers: Partial<GateHandlers> = { Evaluate: (_call, cb) => cb(null, canned) };
  server.addService(loadGateGrpc().loopgate.v1.Gate.service, handlers as GateHandlers);
  const creds = serverCredentials(tls ? { tls: tlsConf } : {});
  const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', creds, (e, port) => (e ? rej(e) : res(port))));
  return { address: `127.0.0.1:${port}`, stop: () => new Promise((res) => server.tryShutdown(() => res())) };
}

p.clock.now = Date.now();
// The fixture's clock is manual; keep it on wall time for the run.
const clockTimer = setInterval(() => (p.clock.now = Date.now()), 10);

const child = fork(new URL('./gate-load.ts', import.meta.url), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--no-deprecation'] });
/** One load run; `cpuUsPerCall`: this (server) process's CPU over the run per measured call (the other server idles meanwhile). */
async function measured(req: RunRequest): Promise<RunResult & { cpuUsPerCall: number }> {
  const cpu0 = process.cpuUsage();
  const r = await load(req);
  const cpu = process.cpuUsage(cpu0);
  return { ...r, cpuUsPerCall: (cpu.user + cpu.system) / Math.max(1, r.calls) };
}

function load(req: RunRequest, onProgress?: (n: number) => void): Promise<RunResult> {
  child.send(req);
  return new Promise((resolve, reject) => {
    const onMsg = (m: { result?: RunResult; error?: string; progress?: number }): void => {
      if (m.progress !== undefined) return onProgress?.(m.progress);
      child.off('message', onMsg);
      if (m.error) reject(new Error(m.error));
      else resolve(m.result!);
    };
    child.on('message', onMsg);
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const results: Record<string, unknown>[] = [];
for (const tls of HEAP_ONLY ? [] : [false, true]) {
  const gate = await gateServer(tls);
  const noop = await noopServer(tls);
  for (const concurrency of CONCURRENCY) {
    type Run = RunResult & { cpuUsPerCall: number };
    const runs: { gate: Run[]; noop: Run[] } = { gate: [], noop: [] };
    const base = { concurrency, warmupMs: 300, durationMs: DURATION_MS, ...(tls ? { tls: clientTls } : {}) };
    // Warm-up, unmeasured, gate first so the no-op then replies with what the gate answers now.
    // Without it the first configuration measured a cold process (JIT, first connections).
    await load({ ...base, warmupMs: 0, durationMs: WARMUP_MS, address: gate.address });
    refreshCanned();
    await load({ ...base, warmupMs: 0, durationMs: WARMUP_MS, address: noop.address });
    for (let i = 0; i < ROUNDS; i++) {
      // Alternate which goes first so neither always inherits the other's garbage or a load swing.
      for (const which of i % 2 === 0 ? (['noop', 'gate'] as const) : (['gate', 'noop'] as const)) {
        runs[which].push(await measured({ ...base, address: which === 'gate' ? gate.address : noop.address }));
      }
    }
    const m = (k: 'gate' | 'noop', f: keyof Run) => median(runs[k].map((r) => r[f]));
    // Ratios are medians of per-round pairs (adjacent in time): the machine is shared, and a
    // load swing between rounds then cancels instead of landing on one side.
    const paired = (f: keyof Run, invert = false) => median(runs.gate.map((g, i) => (invert ? runs.noop[i]![f] / g[f] : g[f] / runs.noop[i]![f])));
    const side = (k: 'gate' | 'noop') => ({ p50_ms: r3(m(k, 'p50Ms')), p99_ms: r3(m(k, 'p99Ms')), calls_per_s: Math.round(m(k, 'callsPerS')), server_cpu_us_per_call: Math.round(m(k, 'cpuUsPerCall')), errors: runs[k].reduce((s, r) => s + r.errors, 0) });
    const row = {
      transport: tls ? 'mtls' : 'plaintext',
      clients: concurrency,
      gate: side('gate'),
      noop: { ...side('noop'), reply: `${canned.verdict}, ${canned.reasons.length} reason(s), ${responseBytes(canned)} B` },
      ratio: { p50: r3(paired('p50Ms')), p99: r3(paired('p99Ms')), throughput: r3(paired('callsPerS', true)), server_cpu: r3(paired('cpuUsPerCall')) },
    };
    row['within_1_25x' as keyof typeof row] = (row.ratio.p50 <= 1.25 && row.ratio.p99 <= 1.25 && row.ratio.throughput <= 1.25) as never;
    results.push(row);
  }
  await gate.stop();
  await noop.stop();
}

// Heap: HEAP_CALLS calls at 16 clients against the gate (plaintext), server heap after GC sampled.
const heapGate = await gateServer(false);
const heap: { calls: number; heap_mb: number }[] = [];
const sampleHeap = (calls: number) => {
  gc();
  heap.push({ calls, heap_mb: Math.round((process.memoryUsage().heapUsed / 2 ** 20) * 10) / 10 });
};
sampleHeap(0);
const every = Math.max(1, Math.floor(HEAP_CALLS / 10));
const heapRun = await load({ address: heapGate.address, concurrency: 16, warmupMs: 0, durationMs: 0, calls: HEAP_CALLS, progressEvery: every }, (n) => sampleHeap(n));
sampleHeap(heapRun.calls);
await heapGate.stop();

child.send('exit');
await once(child, 'exit');
clearInterval(feeder);
clearInterval(clockTimer);
await p.engine.stop();
rmSync(dir, { recursive: true, force: true });

const firstAfterWarm = heap[1] ?? heap[0]!;
console.log(
  JSON.stringify({
    bench: 'gate',
    rounds: ROUNDS,
    duration_ms: DURATION_MS,
    warmup_ms: WARMUP_MS,
    results,
    all_within_1_25x: results.length > 0 && results.every((r) => r['within_1_25x']),
    heap: { calls: heapRun.calls, calls_per_s: Math.round(heapRun.callsPerS), errors: heapRun.errors, samples: heap, growth_mb_after_first_tenth: Math.round((heap[heap.length - 1]!.heap_mb - firstAfterWarm.heap_mb) * 10) / 10 },
    machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version, loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100) },
  }),
);
