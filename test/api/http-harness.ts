/**
 * The HTTP adapters on 127.0.0.1:0 over the gate fixtures' plant (store fed through ReadingSink,
 * injected clock), with a log that tests read. Stopped by t.after.
 */
import type { TestContext } from 'node:test';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { HttpAdapterServer } from '../../src/api/http-server.ts';
import type { Config } from '../../src/config/schema.ts';
import { plant, plantConfig, type Plant } from '../gate/fixtures.ts';
import { recordingMeter } from './harness.ts';

export interface HttpServed extends Plant {
  server: HttpAdapterServer;
  base: string;
  logLines: Record<string, unknown>[];
  counts: { attrs: Record<string, unknown>; value: number }[];
}

export async function serveHttp(t: TestContext, cfg: Config = plantConfig(), opts: { scheme?: 'http' | 'https' } = {}): Promise<HttpServed> {
  const logLines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line) logLines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const log = pino({ level: 'info' }, sink);
  const counts: HttpServed['counts'] = [];
  const p = plant(cfg, { log, meter: recordingMeter(counts) });
  const server = new HttpAdapterServer({ gate: cfg.gate, listen: '127.0.0.1:0', engine: p.engine, log, clock: () => p.clock.now, drainMs: 1000 });
  await server.start();
  t.after(() => server.stop());
  return { ...p, server, base: `${opts.scheme ?? 'http'}://127.0.0.1:${server.port}`, logLines, counts };
}

export async function post(base: string, path: string, body: unknown): Promise<{ status: number; json: Record<string, any> }> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

/** A Flagger webhook payload as Flagger sends it (no weight). */
export function flaggerPayload(metadata: Record<string, string>, o: { name?: string; checksum?: string; phase?: string } = {}) {
  return { name: o.name ?? 'podinfo', namespace: 'shop', phase: o.phase ?? 'Progressing', checksum: o.checksum ?? '6d8f9c7b5', metadata };
}
