/**
 * Every metric name (and every label in a selector) used in the Grafana dashboard's PromQL is
 * served by a live /metrics. Self-metrics owned by other layers are created here on the meter
 * with the names and units the brief fixes, as those layers do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { layerMetric, modbusDurationBuckets } from '../../src/export/metric-names.ts';
import { repoRoot } from '../helpers/cli.ts';
import { feed, plantConfig, scrape, startTelemetry } from './fixture.ts';
import { OtlpReceiver } from './otlp-receiver.ts';
import type { Meter } from '@opentelemetry/api';

const keywords = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

interface Use {
  metric: string;
  labels: string[];
}

/** Metric names and selector labels of a PromQL expression (Grafana variables removed). */
export function promqlUses(expr: string): Use[] {
  let e = expr.replace(/\$__\w+|\$\{?\w+\}?/g, '1m');
  const uses: Use[] = [];
  e = e.replace(/([A-Za-z_:][A-Za-z0-9_:]*)\s*\{([^}]*)\}/g, (_m, name: string, body: string) => {
    const labels = [...body.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)\s*"(?:[^"\\]|\\.)*"/g)].map((m) => m[1]!);
    uses.push({ metric: name, labels });
    return ' ';
  });
  e = e
    .replace(/"(?:[^"\\]|\\.)*"/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  for (const m of e.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?/g)) {
    const name = m[1]!;
    if (m[2] || keywords.has(name.toLowerCase())) continue;
    uses.push({ metric: name, labels: [] });
  }
  return uses;
}

function recordLayerMetrics(meter: Meter): void {
  const bus = { 'loopgate.bus': 'hall-plc' };
  const dev = { ...bus, 'loopgate.device': 'plc-1' };
  meter.createCounter(layerMetric.modbusTransactions, { unit: '{transaction}' }).add(1, { ...dev, 'loopgate.result': 'timeout' });
  meter.createHistogram(layerMetric.modbusDuration, { unit: 's', advice: { explicitBucketBoundaries: [...modbusDurationBuckets] } }).record(0.01, dev);
  meter.createObservableGauge(layerMetric.busUtilization, { unit: '1' }).addCallback((r) => r.observe(0.4, bus));
  meter.createCounter(layerMetric.pollOverruns, { unit: '{overrun}' }).add(1, dev);
  meter.createObservableGauge(layerMetric.deviceBackoff, { unit: 's' }).addCallback((r) => r.observe(0, { 'loopgate.device': 'plc-1' }));
  meter.createCounter(layerMetric.gateDecisions, { unit: '{decision}' }).add(1, { 'loopgate.zone': 'hall-a', 'loopgate.verdict': 'ALLOW' });
  meter.createObservableGauge(layerMetric.mqttSpoolDepth, { unit: '{message}' }).addCallback((r) => r.observe(0));
  meter.createCounter(layerMetric.mqttSpoolDropped, { unit: '{message}' }).add(0);
}

test('the PromQL parser finds metric names and selector labels', () => {
  assert.deepEqual(promqlUses('histogram_quantile(0.99, sum by (le, loopgate_bus) (rate(x_bucket{a="1", b!~"$v"}[$__rate_interval])))'), [{ metric: 'x_bucket', labels: ['a', 'b'] }]);
  assert.deepEqual(promqlUses('a / on (z) b > 0'), [{ metric: 'a', labels: [] }, { metric: 'b', labels: [] }]);
});

test('every metric and selector label the dashboard queries is served by a live /metrics', async (t) => {
  const rx = new OtlpReceiver(1);
  const port = await rx.start(0);
  t.after(() => rx.stop());
  const { store, base, telemetry } = await startTelemetry(t, plantConfig({ prometheus: { listen: '127.0.0.1:0' }, otlp: { endpoint: `http://127.0.0.1:${port}`, interval_ms: 60_000 } }));
  feed(store);
  recordLayerMetrics(telemetry.meter);
  // One push, so loopgate.otlp.exports has a data point.
  const pushed = rx.nextRequest();
  await telemetry.otlp!.reader.forceFlush();
  await pushed;
  // A second scrape so the counter recorded after the first one is there too.
  await scrape(base);
  const text = await scrape(base);
  const served = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})? /.exec(line);
    if (!m) continue;
    const labels = served.get(m[1]!) ?? new Set<string>();
    for (const l of (m[2] ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)="/g)) labels.add(l[1]!);
    served.set(m[1]!, labels);
  }
  const dash = JSON.parse(readFileSync(join(repoRoot, 'config/grafana/loopgate-dashboard.json'), 'utf8')) as {
    panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
    templating: { list: Array<{ definition?: string }> };
  };
  const exprs = [...dash.panels.flatMap((p) => p.targets.map((x) => x.expr)), ...dash.templating.list.flatMap((v) => (v.definition ? [v.definition.replace(/^label_values\(([^,]+),.*$/, '$1')] : []))];
  assert.ok(exprs.length >= 12);
  const missing: string[] = [];
  for (const expr of exprs) {
    for (const use of promqlUses(expr)) {
      const labels = served.get(use.metric);
      if (!labels) missing.push(`${use.metric} (in ${expr})`);
      else for (const l of use.labels) if (!labels.has(l)) missing.push(`${use.metric}{${l}} (in ${expr})`);
    }
  }
  assert.deepEqual(missing, []);
});
