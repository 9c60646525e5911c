/** prom-text.ts serves the same samples as @opentelemetry/exporter-prometheus's serializer. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { parseConfig } from '../../src/config/load.ts';
import { ByteWriter } from '../../src/export/byte-writer.ts';
import { layerMetric, modbusDurationBuckets } from '../../src/export/metric-names.ts';
import { PromTextSerializer, serialize } from '../../src/export/prom-text.ts';
import { feed, samples, startTelemetry } from './fixture.ts';

/** Label sets compared order-insensitively; the stock serializer's otel_scope_* labels dropped. */
function normalized(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [series, value] of samples(text)) {
    const m = /^([^{]+)(?:\{(.*)\})?$/.exec(series)!;
    const labels = [...(m[2] ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((l) => `${l[1]}="${l[2]}"`).filter((l) => !l.startsWith('otel_scope_')).sort();
    out.set(`${m[1]}{${labels.join(',')}}`, value);
  }
  return out;
}

test('same samples as the stock OpenTelemetry Prometheus serializer', async (t) => {
  const { store, telemetry } = await startTelemetry(t);
  feed(store);
  telemetry.meter.createHistogram(layerMetric.modbusDuration, { unit: 's', advice: { explicitBucketBoundaries: [...modbusDurationBuckets] } }).record(0.03, { 'loopgate.bus': 'b', 'loopgate.device': 'd' });
  telemetry.meter.createCounter(layerMetric.gateDecisions).add(2, { 'loopgate.zone': 'hall-a', 'loopgate.verdict': 'HOLD' });
  telemetry.meter.createObservableGauge(layerMetric.busUtilization, { unit: '1' }).addCallback((r) => r.observe(0.25, { 'loopgate.bus': 'b "quoted"\nline' }));
  const { resourceMetrics } = await telemetry.pull!.collect();
  const ours = normalized(serialize(resourceMetrics));
  const stock = normalized(new PrometheusSerializer('', false, undefined, false, false).serialize(resourceMetrics));
  assert.ok(ours.size > 20, `only ${ours.size} samples`);
  assert.deepEqual([...ours].sort(), [...stock].sort());
});

/** 3 devices x 100 4-20 mA temperature signals: enough series for the serializer's run logic. */
function manySignals(): ReturnType<typeof parseConfig> {
  const devices = [0, 1, 2].map((d) => ({
    id: `dev-${d}`,
    bus: 'bus-0',
    unit: 1 + d,
    poll_ms: 1000,
    signals: Array.from({ length: 100 }, (_, s) => ({ id: `t_${d}_${s}`, kind: 'temperature', table: 'input', address: s, loop: { raw: [0, 27648], eu: [0, 100] }, unit: 'Cel' })),
  }));
  return parseConfig(JSON.stringify({ site: 's', gateway_id: 'g', buses: [{ id: 'bus-0', transport: 'tcp', host: '127.0.0.1', port: 1502 }], devices, metrics: { prometheus: { listen: '127.0.0.1:0' } } }));
}

test('one serializer and one reused writer over changing collections: the stock samples every time', async (t) => {
  const config = manySignals();
  const { store, telemetry } = await startTelemetry(t, config);
  const ids = config.devices.flatMap((d) => d.signals.map((s) => s.id));
  const put = (raw: (id: string, i: number) => number): void => {
    for (const d of config.devices) store.values(d.id, Date.now(), d.signals.map((s) => [s.id, raw(s.id, ids.indexOf(s.id))] as [string, number]));
  };
  const ours = new PromTextSerializer();
  const writer = new ByteWriter(1024);
  const decisions = telemetry.meter.createCounter(layerMetric.gateDecisions);
  const steps: Array<{ what: string; change: () => void }> = [
    { what: 'all good', change: () => put((_id, i) => 5000 + i * 7) },
    { what: 'same series again', change: () => put((_id, i) => 5001 + i * 7) },
    // A wire break drops the value series and moves the quality series to loopgate_quality="bad".
    { what: '30 wire breaks', change: () => put((_id, i) => (i % 10 === 3 ? -5000 : 5002 + i * 7)) },
    { what: 'one recovers', change: () => put((id, i) => (i % 10 === 3 && id !== 't_0_3' ? -5000 : 5003 + i * 7)) },
    { what: 'a new SDK series', change: () => decisions.add(1, { 'loopgate.zone': 'z', 'loopgate.verdict': 'ALLOW' }) },
    { what: 'all good again', change: () => put((_id, i) => 5004 + i * 7) },
  ];
  for (const step of steps) {
    step.change();
    const { resourceMetrics } = await telemetry.pull!.collect();
    writer.reset();
    const text = ours.serialize(resourceMetrics, writer).toString('utf8');
    // Compared before the next collection: the pull producer rewrites its points then.
    const stock = normalized(new PrometheusSerializer('', false, undefined, false, false).serialize(resourceMetrics));
    const mine = normalized(text);
    assert.ok(mine.size > 900, `${step.what}: only ${mine.size} samples`);
    assert.deepEqual([...mine].sort(), [...stock].sort(), step.what);
  }
});
