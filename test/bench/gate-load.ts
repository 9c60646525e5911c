/**
 * The Gate benchmark's load generator, forked by gate.bench.ts so the clients never share a
 * process (or an event loop) with the server. Each run: N clients on their own channels
 * (own connections), each calling Evaluate back to back; per-call latency from hrtime.
 */
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { loadGateGrpc } from '../../src/api/proto-load.ts';
import type { GateClient } from '../../src/gate/generated/loopgate/v1/Gate.ts';

export interface RunRequest {
  address: string;
  tls?: { ca: string; key: string; cert: string };
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** Stop after this many measured calls instead (heap run); progress every `progressEvery`. */
  calls?: number;
  progressEvery?: number;
}

export interface RunResult {
  calls: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  callsPerS: number;
}

const Gate = loadGateGrpc().loopgate.v1.Gate;

function creds(tls: RunRequest['tls']): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(readFileSync(tls.ca), readFileSync(tls.key), readFileSync(tls.cert));
}

/** The i-th request every client sends (16 rollouts, hall-a, 10 -> 11); the bench builds its no-op reply from the same. */
export const evaluateRequest = (i: number) => ({ rollout: { namespace: 'bench', name: `r${i % 16}` }, canary_revision: 'v2', zones: ['hall-a'], current_weight: 10, proposed_weight: 11, request_id: '', dry_run: false });

function once(c: GateClient, i: number): Promise<boolean> {
  return new Promise((resolve) => c.Evaluate(evaluateRequest(i), (err) => resolve(err === null)));
}

async function run(r: RunRequest): Promise<RunResult> {
  const clients = Array.from({ length: r.concurrency }, () => new Gate(r.address, creds(r.tls), { 'grpc.use_local_subchannel_pool': 1 }));
  await Promise.all(clients.map((c) => new Promise<void>((res, rej) => c.waitForReady(Date.now() + 5000, (e) => (e ? rej(e) : res())))));
  const lat: number[] = [];
  let errors = 0;
  let phase: 'warmup' | 'measure' | 'done' = 'warmup';
  let measured = 0;
  let t0 = 0n;
  let t1 = 0n;
  setTimeout(() => {
    phase = 'measure';
    t0 = process.hrtime.bigint();
    if (r.calls === undefined) setTimeout(() => (phase = 'done'), r.durationMs);
  }, r.warmupMs);
  let n = 0;
  await Promise.all(
    clients.map(async (c) => {
      while (phase !== 'done') {
        const start = process.hrtime.bigint();
        const ok = await once(c, n++);
        if (phase !== 'measure') continue;
        if (!ok) errors++;
        measured++;
        if (r.calls === undefined) lat.push(Number(process.hrtime.bigint() - start) / 1e6);
        if (r.progressEvery && measured % r.progressEvery === 0) process.send!({ progress: measured });
        if (r.calls !== undefined && measured >= r.calls) phase = 'done';
      }
    }),
  );
  t1 = process.hrtime.bigint();
  for (const c of clients) c.close();
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? 0;
  return { calls: measured, errors, p50Ms: q(0.5), p99Ms: q(0.99), callsPerS: measured / (Number(t1 - t0) / 1e9) };
}

// Only when forked (the bench imports evaluateRequest from here too).
if (process.send) process.on('message', (msg: RunRequest | 'exit') => {
  if (msg === 'exit') process.exit(0);
  run(msg).then((res) => process.send!({ result: res }), (err: Error) => process.send!({ error: err.message }));
});
