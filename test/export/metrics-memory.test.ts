/**
 * Two readers on one MeterProvider (/metrics pull + OTLP push) while nobody scrapes /metrics:
 * retained SDK state must stay bounded. Measured as retained state (data points held in the SDK's
 * metric storages and stashes), never as time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExportResultCode } from '@opentelemetry/core';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { MetricsPullReader } from '../../src/export/metrics-pull-reader.ts';
import { OtlpPush, OtlpPushReader, type PushExporter } from '../../src/export/otlp-push.ts';
import { feedPlant, plantYaml, startGateway } from './metrics-peers.ts';

const okExporter: PushExporter = { export: (_m, done) => done({ code: ExportResultCode.SUCCESS }), shutdown: async () => undefined };

/**
 * Walks the provider's object graph: `points` = entries of every attribute map the SDK holds
 * (HashMap: `_valueMap` + `_keyMap`), `stashed` = accumulation maps stashed for readers that have
 * not collected yet (TemporalMetricProcessor._unreportedAccumulations). Fails loudly if the SDK's
 * internals moved, so the test cannot pass by finding nothing.
 */
function retained(provider: MeterProvider): { maps: number; points: number; stashed: number } {
  const seen = new Set<object>();
  const queue: unknown[] = [provider];
  let maps = 0;
  let points = 0;
  let stashed = 0;
  while (queue.length > 0) {
    const o = queue.pop();
    if (o === null || typeof o !== 'object' || seen.has(o)) continue;
    seen.add(o);
    const rec = o as { _valueMap?: unknown; _keyMap?: unknown; _unreportedAccumulations?: unknown };
    if (rec._valueMap instanceof Map && rec._keyMap instanceof Map) {
      maps++;
      points += rec._valueMap.size;
    }
    if (rec._unreportedAccumulations instanceof Map) for (const list of rec._unreportedAccumulations.values() as Iterable<unknown[]>) stashed += list.length;
    const values = o instanceof Map ? [...o.keys(), ...o.values()] : Array.isArray(o) ? o : Object.values(o);
    for (const v of values) if (v !== null && typeof v === 'object') queue.push(v);
  }
  assert.ok(maps > 0, 'found the SDK attribute maps (internals moved? update this walker)');
  return { maps, points, stashed };
}

test('OTLP pushing, /metrics never scraped: retained SDK state does not grow with cycles', async (t) => {
  const gw = await startGateway(t, plantYaml(`  otlp: { endpoint: 'http://127.0.0.1:9', interval_ms: 60000 }\n`), { otlpExporter: okExporter });
  const push = gw.parts.find((p): p is OtlpPush => p instanceof OtlpPush)!;
  const counter = gw.telemetry.meter.createCounter('loopgate.test.events');
  const histogram = gw.telemetry.meter.createHistogram('loopgate.test.duration', { unit: 's' });
  const cycle = async (): Promise<void> => {
    feedPlant(gw.store);
    for (let k = 0; k < 20; k++) {
      counter.add(1, { k: String(k) });
      histogram.record(k / 100, { k: String(k) });
    }
    await push.tick(); // an OTLP collection; /metrics is never scraped
  };
  for (let i = 0; i < 50; i++) await cycle();
  const after50 = retained(gw.telemetry.provider);
  for (let i = 0; i < 250; i++) await cycle();
  const after300 = retained(gw.telemetry.provider);
  assert.ok(after50.points > 0);
  assert.deepEqual(after300, after50, 'same retained points and stash after 300 cycles as after 50');
});

/**
 * With a View, the SDK shares one storage between readers and stashes each collection for the
 * reader that has not collected (SDK 3.x keeps per-reader storage only without Views). The pull
 * reader's idle drain, run after each push collection, bounds that stash; without it it grows.
 */
async function viewRun(idleDrainMs: number, cycles: number): Promise<ReturnType<typeof retained>> {
  const pull = new MetricsPullReader({ idleDrainMs, cardinalityLimit: 10_000 });
  const push = new OtlpPushReader('cumulative', 10_000);
  const provider = new MeterProvider({ views: [{ instrumentName: 'loopgate.test.events', name: 'loopgate.test.events.viewed' }], readers: [pull, push] });
  const counter = provider.getMeter('t').createCounter('loopgate.test.events');
  for (let i = 0; i < cycles; i++) {
    for (let k = 0; k < 20; k++) counter.add(1, { k: String(k) });
    await push.collect();
    await pull.drainIfIdle();
  }
  const r = retained(provider);
  await provider.shutdown();
  return r;
}

test('with a View, the idle drain keeps the unscraped reader\'s stash bounded', async () => {
  const drained = await viewRun(0, 200);
  assert.ok(drained.stashed <= 1, `stashed ${drained.stashed} after 200 cycles`);
  const leaking = await viewRun(Infinity, 200);
  assert.ok(leaking.stashed >= 200, `control without the drain stashed ${leaking.stashed}`);
  assert.ok(leaking.points > drained.points * 10, `retained points: ${leaking.points} without the drain vs ${drained.points} with it`);
});
