/**
 * Two readers, one never collected (nobody scrapes /metrics) while OTLP pushes on. Retained state
 * is measured as heap after a forced GC across many collections of the other reader.
 *
 * sdk-metrics 3.1 gives each reader its own storage for an instrument without a View, so the
 * daemon's configuration does not stash anything for the idle reader (first test). An instrument
 * matched by a View gets ONE storage shared by every reader, and its TemporalMetricProcessor
 * stashes each collection for every other reader until that reader collects: unbounded for a
 * reader nobody collects (second test, the control). IdleReaderGuard bounds it (third test).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Meter } from '@opentelemetry/api';
import { AggregationType, MeterProvider } from '@opentelemetry/sdk-metrics';
import { IdleReaderGuard } from '../../src/export/idle-reader-guard.ts';
import { PullMetricReader } from '../../src/export/pull-reader.ts';
import { IDLE_PULL_MAX_MISSED } from '../../src/export/telemetry.ts';
import { modbusDurationBuckets } from '../../src/export/metric-names.ts';
import { feed, plantConfig, startTelemetry } from './fixture.ts';
import { OtlpReceiver } from './otlp-receiver.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const SERIES = 200;
const CYCLES = 100;

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Records one value on every series of a histogram shaped like the Modbus duration histogram. */
function recorder(meter: Meter): () => void {
  const h = meter.createHistogram('loopgate.modbus.transaction.duration', { unit: 's', advice: { explicitBucketBoundaries: [...modbusDurationBuckets] } });
  const attrs = Array.from({ length: SERIES }, (_, i) => ({ 'loopgate.bus': `bus-${i % 10}`, 'loopgate.device': `dev-${i}` }));
  return () => {
    for (const a of attrs) h.record(0.004, a);
  };
}

// One stashed collection holds SERIES histogram accumulations (a map entry, a bucket array:
// roughly 100 B or more each, so >= 20 KB a collection; ~150 KB measured): unbounded, CYCLES of
// them (>= 2 MB, ~15 MB measured);
// bounded, at most IDLE_PULL_MAX_MISSED. 2 MB is far below the first and far above the second
// plus GC noise (a few hundred KB).
const BOUND = 2 * 1024 * 1024;

async function growth(cycles: number, step: () => Promise<void>): Promise<number> {
  for (let i = 0; i < 20; i++) await step();
  const before = heapUsed();
  for (let i = 0; i < cycles; i++) await step();
  return heapUsed() - before;
}

test('the daemon: OTLP pushes while nobody scrapes keep retained memory bounded', async (t) => {
  const rx = new OtlpReceiver(1);
  const port = await rx.start(0);
  t.after(() => rx.stop());
  const { telemetry, store } = await startTelemetry(t, plantConfig({ prometheus: { listen: '127.0.0.1:0' }, otlp: { endpoint: `http://127.0.0.1:${port}`, interval_ms: 60_000 } }));
  feed(store);
  const record = recorder(telemetry.meter);
  const grown = await growth(CYCLES, async () => {
    record();
    const got = rx.nextRequest();
    await telemetry.otlp!.reader.forceFlush();
    await got;
  });
  t.diagnostic(`retained growth ${grown} B`);
  assert.ok(grown < BOUND, `retained growth ${grown} B over ${CYCLES} pushes should stay under ${BOUND} B`);
});

function sharedStorageProvider(): { provider: MeterProvider; idle: PullMetricReader; busy: PullMetricReader } {
  const idle = new PullMetricReader();
  const busy = new PullMetricReader();
  // A View makes the storage shared between the readers.
  const views = [{ instrumentName: 'loopgate.modbus.*', aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM as const, options: { boundaries: [...modbusDurationBuckets] } } }];
  return { provider: new MeterProvider({ readers: [idle, busy], views }), idle, busy };
}

test('control: with a View, an idle reader retains every collection of the other', async (t) => {
  const { provider, busy } = sharedStorageProvider();
  const record = recorder(provider.getMeter('t'));
  const grown = await growth(CYCLES, async () => (record(), void (await busy.collect())));
  await provider.shutdown();
  t.diagnostic(`retained growth ${grown} B`);
  assert.ok(grown > 3 * BOUND, `unguarded growth ${grown} B should be far above ${BOUND} B (if not, the SDK stopped stashing and the guard could go)`);
});

test('IdleReaderGuard bounds it: the idle reader is drained after IDLE_PULL_MAX_MISSED collections of the other', async (t) => {
  const { provider, idle, busy } = sharedStorageProvider();
  const guard = new IdleReaderGuard(idle, IDLE_PULL_MAX_MISSED);
  const record = recorder(provider.getMeter('t'));
  const grown = await growth(CYCLES, async () => {
    record();
    await busy.collect();
    await guard.tick();
  });
  await provider.shutdown();
  t.diagnostic(`retained growth ${grown} B`);
  assert.ok(guard.drains >= Math.floor(CYCLES / IDLE_PULL_MAX_MISSED), `drained ${guard.drains} times`);
  assert.ok(grown < BOUND, `guarded growth ${grown} B should stay under ${BOUND} B`);
});
