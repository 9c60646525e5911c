/**
 * A real Gate server on 127.0.0.1:0 over the gate fixtures' plant (store fed through ReadingSink,
 * injected clock), and real grpc-js clients. Everything started here is stopped by t.after.
 */
import type { TestContext } from 'node:test';
import { Writable } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import type { Meter } from '@opentelemetry/api';
import { pino } from 'pino';
import { GrpcServer } from '../../src/api/grpc-server.ts';
import { loadGateGrpc } from '../../src/api/proto-load.ts';
import type { GateClient } from '../../src/gate/generated/loopgate/v1/Gate.ts';
import type { Config } from '../../src/config/schema.ts';
import { Readiness } from '../../src/readiness.ts';
import { plant, plantConfig, type Plant } from '../gate/fixtures.ts';

export interface Served extends Plant {
  server: GrpcServer;
  readiness: Readiness;
  address: string;
  logLines: Record<string, unknown>[];
  counts: { attrs: Record<string, unknown>; value: number }[];
  client(creds?: grpc.ChannelCredentials, options?: grpc.ChannelOptions): GateClient;
}

/** A Meter that records counter adds (enough for the gate's one counter). */
export function recordingMeter(counts: Served['counts']): Meter {
  return { createCounter: () => ({ add: (value: number, attrs: Record<string, unknown> = {}) => counts.push({ value, attrs }) }) } as unknown as Meter;
}

export async function serve(t: TestContext, cfg: Config = plantConfig(), opts: { ready?: boolean; tickMs?: number } = {}): Promise<Served> {
  const logLines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line) logLines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const log = pino({ level: 'info' }, sink);
  const counts: Served['counts'] = [];
  const p = plant(cfg, { log, meter: recordingMeter(counts), tickMs: opts.tickMs ?? 50 });
  const readiness = new Readiness();
  if (opts.ready !== false) readiness.seal();
  const server = new GrpcServer({ gate: cfg.gate, engine: p.engine, readiness, log, clock: () => p.clock.now, drainMs: 1000 });
  await p.engine.start();
  await server.start();
  const clients: grpc.Client[] = [];
  t.after(async () => {
    for (const c of clients) c.close();
    await server.stop();
    await p.engine.stop();
  });
  const address = `127.0.0.1:${server.port}`;
  const Gate = loadGateGrpc().loopgate.v1.Gate;
  return {
    ...p,
    server,
    readiness,
    address,
    logLines,
    counts,
    client(creds = grpc.credentials.createInsecure(), options = {}) {
      const c = new Gate(address, creds, options);
      clients.push(c);
      return c;
    },
  };
}

/** Promisified unary call on a generated client method. */
export function call<Req, Res>(fn: (req: Req, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: Res) => void) => unknown, req: Req, deadlineMs = 5000): Promise<Res> {
  return new Promise((resolve, reject) => {
    fn(req, new grpc.Metadata(), { deadline: Date.now() + deadlineMs }, (err, res) => (err ? reject(err) : resolve(res!)));
  });
}

/** Polls `cond` until it holds or the deadline passes (for state with no event to await). */
export async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
