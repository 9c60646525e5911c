/** Debian's Prometheus as the real peer: promtool lints a live scrape; a Prometheus server scrapes us. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { layerMetric, modbusDurationBuckets } from '../../src/export/metric-names.ts';
import { tempDir } from '../helpers/cli.ts';
import { feed, requireBinary, scrape, startTelemetry } from './fixture.ts';
import { freePort } from '../helpers/net.ts';

const PROMTOOL = '/usr/bin/promtool';
const PROMETHEUS = '/usr/bin/prometheus';


test('promtool check metrics: a live scrape is clean', async (t) => {
  if (!requireBinary(t, PROMTOOL)) return;
  const { store, base, telemetry } = await startTelemetry(t);
  feed(store);
  telemetry.meter.createHistogram(layerMetric.modbusDuration, { unit: 's', advice: { explicitBucketBoundaries: [...modbusDurationBuckets] } }).record(0.01, { 'loopgate.bus': 'hall-plc', 'loopgate.device': 'plc-1' });
  telemetry.meter.createCounter(layerMetric.modbusTransactions, { unit: '{transaction}' }).add(1, { 'loopgate.bus': 'hall-plc', 'loopgate.device': 'plc-1', 'loopgate.result': 'ok' });
  const text = await scrape(base);
  const res = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(res.status, 0, `promtool: ${res.stdout}${res.stderr}`);
  assert.equal(`${res.stdout}${res.stderr}`.trim(), '', 'no lint findings');
});

test('a real Prometheus server scrapes the endpoint and its query API returns the zone temperature', async (t) => {
  if (!requireBinary(t, PROMETHEUS)) return;
  const { store, base } = await startTelemetry(t);
  feed(store);
  const dir = tempDir('loopgate-prom-');
  t.after(dir.cleanup);
  const target = base.replace('http://', '');
  const config = dir.write('prometheus.yml', `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: loopgate\n    static_configs:\n      - targets: ['${target}']\n`);
  const port = await freePort();
  const prom = spawn(PROMETHEUS, [`--config.file=${config}`, `--storage.tsdb.path=${dir.dir}/data`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  prom.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  t.after(async () => {
    if (prom.exitCode === null && prom.signalCode === null) {
      const exited = once(prom, 'exit');
      prom.kill('SIGTERM');
      await exited;
    }
  });
  const query = encodeURIComponent('loopgate_zone_temperature{loopgate_zone="hall-a"}');
  const deadline = Date.now() + 30_000;
  let result: Array<{ metric: Record<string, string>; value: [number, string] }> = [];
  while (Date.now() < deadline && prom.exitCode === null) {
    try {
      // Keep the reading fresh while Prometheus starts.
      feed(store);
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${query}`);
      if (res.ok) {
        const body = (await res.json()) as { data: { result: typeof result } };
        result = body.data.result;
        if (result.length) break;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(prom.exitCode, null, `prometheus exited: ${stderr}`);
  assert.equal(result.length, 1, `no sample in time; prometheus said: ${stderr}`);
  assert.equal(result[0]!.value[1], '30');
  assert.equal(result[0]!.metric['job'], 'loopgate');
});
