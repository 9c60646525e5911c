/** Every metric name in the Grafana dashboard's PromQL is served by a live /metrics. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExportResultCode } from '@opentelemetry/core';
import { OtlpPush } from '../../src/export/otlp-push.ts';
import { feedPlant, get, parseExposition, plantYaml, startGateway } from './metrics-peers.ts';
import { recordSelfMetrics } from './metrics-self.ts';
import { dashboardExpressions, metricNames } from './promql-names.ts';

test('metricNames finds names, not functions, labels or keywords', () => {
  assert.deepEqual(metricNames('histogram_quantile(0.99, sum by (le, loopgate_bus) (rate(x_bucket{a="b(c)"}[$__rate_interval])))'), ['x_bucket']);
  assert.deepEqual(metricNames('max by (z) (a{k="v"}) / on(z) group_left b == 1'), ['a', 'b']);
});

test('every metric name in config/grafana/loopgate-dashboard.json is served by /metrics', async (t) => {
  const exprs = dashboardExpressions();
  assert.ok(exprs.length >= 15, `dashboard has ${exprs.length} expressions`);
  const gw = await startGateway(t, plantYaml(`  otlp: { endpoint: 'http://127.0.0.1:9', interval_ms: 60000 }\n`), {
    otlpExporter: { export: (_m, done) => done({ code: ExportResultCode.SUCCESS }), shutdown: async () => undefined },
  });
  feedPlant(gw.store);
  recordSelfMetrics(gw.telemetry.meter); // instruments of layers merged elsewhere, with their documented names
  await gw.parts.find((p): p is OtlpPush => p instanceof OtlpPush)!.tick();
  const served = new Set(parseExposition((await get(`${gw.base}/metrics`)).body).map((s) => s.name));

  const missing: string[] = [];
  for (const { panel, expr } of exprs) {
    const names = metricNames(expr);
    assert.ok(names.length > 0, `no metric name found in "${expr}" (${panel})`);
    for (const n of names) if (!served.has(n)) missing.push(`${panel}: ${n}`);
  }
  assert.deepEqual(missing, [], 'dashboard names not served by /metrics');
});
