/** prom-text.ts serves the same samples as @opentelemetry/exporter-prometheus's serializer. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { layerMetric, modbusDurationBuckets } from '../../src/export/metric-names.ts';
import { serialize } from '../../src/export/prom-text.ts';
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
