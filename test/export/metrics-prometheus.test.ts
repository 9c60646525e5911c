/**
 * A real Prometheus server (Debian prometheus) started on a free loopback port with a temp config
 * and data dir scrapes the gateway's /metrics; its query API returns the zone's temperature.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary } from '../deploy/require-binary.ts';
import { ExportResultCode } from '@opentelemetry/core';
import { OtlpPush } from '../../src/export/otlp-push.ts';
import { feedPlant, freePort, get, plantYaml, pollUntil, startGateway } from './metrics-peers.ts';
import { recordSelfMetrics } from './metrics-self.ts';
import { dashboardExpressions } from './promql-names.ts';

interface QueryReply {
  status: string;
  data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

test('Prometheus scrapes /metrics; its query API returns the zone temperature and every dashboard query', async (t) => {
  const prometheus = requireBinary(t, '/usr/bin/prometheus');
  if (!prometheus) return;
  const gw = await startGateway(t, plantYaml(`  otlp: { endpoint: 'http://127.0.0.1:9', interval_ms: 60000 }\n`), {
    otlpExporter: { export: (_m, done) => done({ code: ExportResultCode.SUCCESS }), shutdown: async () => undefined },
  });
  feedPlant(gw.store);
  recordSelfMetrics(gw.telemetry.meter); // instruments of layers merged elsewhere, with their documented names
  await gw.parts.find((p): p is OtlpPush => p instanceof OtlpPush)!.tick();
  // keep the samples fresh while Prometheus starts and scrapes
  const feeder = setInterval(() => feedPlant(gw.store), 200);
  t.after(() => clearInterval(feeder));

  const dir = mkdtempSync(join(tmpdir(), 'loopgate-prom-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const target = gw.base.replace('http://', '');
  writeFileSync(join(dir, 'prometheus.yml'), `global: { scrape_interval: 1s, scrape_timeout: 1s }\nscrape_configs:\n  - job_name: loopgate\n    static_configs: [{ targets: ['${target}'] }]\n`);
  const port = await freePort();
  const child = spawn(prometheus, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const closed = once(child, 'close');
      child.kill('SIGTERM');
      await closed;
    }
  });

  const query = encodeURIComponent('hw_temperature{loopgate_zone="hall-a", hw_id="hall_a_inlet_temp"}');
  const result = await pollUntil(async () => {
    if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode}: ${stderr}`);
    const res = await get(`http://127.0.0.1:${port}/api/v1/query?query=${query}`);
    if (res.status !== 200) return undefined;
    const body = JSON.parse(res.body) as QueryReply;
    return body.data.result.length > 0 ? body.data.result : undefined;
  }, 'Prometheus to return hw_temperature', 30_000, 250);

  assert.equal(result.length, 1);
  const [series] = result;
  assert.equal(series!.metric['job'], 'loopgate');
  assert.equal(series!.metric['loopgate_device'], 'pdu-1');
  assert.ok(Math.abs(Number(series!.value[1]) - 30) < 1e-9, `value ${series!.value[1]}`);

  // the scrape itself is healthy in Prometheus' eyes
  const up = JSON.parse((await get(`http://127.0.0.1:${port}/api/v1/query?query=up`)).body) as QueryReply;
  assert.equal(up.data.result[0]?.value[1], '1');

  // every PromQL expression of the Grafana dashboard is valid and returns data from this scrape
  const exprs = dashboardExpressions().map((e) => ({ ...e, expr: e.expr.replaceAll('$__rate_interval', '30s').replaceAll('$zone', '.*') }));
  let still: string[] = [];
  await pollUntil(async () => {
    still = [];
    for (const { panel, expr } of exprs) {
      const res = await get(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(expr)}`);
      assert.equal(res.status, 200, `${panel}: ${expr}: ${res.body}`);
      if ((JSON.parse(res.body) as QueryReply).data.result.length === 0) still.push(`${panel}: ${expr}`);
    }
    return still.length === 0 ? still : undefined;
  }, 'every dashboard query to return data', 30_000, 500).catch(() => undefined);
  assert.deepEqual(still, [], 'dashboard queries without data');
});
