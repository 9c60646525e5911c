/** The scrape endpoint over real HTTP: signal and zone metrics, self-metrics, /healthz, /readyz. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { layerMetric, modbusDurationBuckets } from '../../src/export/metric-names.ts';
import { feed, plantConfig, samples, sampleValue, scrape, startTelemetry } from './fixture.ts';

test('signal readings are served as hw.* gauges in canonical units with hw and loopgate attributes', async (t) => {
  const { store, base } = await startTelemetry(t);
  feed(store);
  const text = await scrape(base);
  const temp = { hw_id: 'hall_a_inlet_temp', hw_name: 'Hall A inlet TT-101', hw_type: 'temperature', loopgate_zone: 'hall-a', loopgate_device: 'plc-1', loopgate_bus: 'hall-plc' };
  assert.equal(sampleValue(text, 'hw_temperature', temp), 30);
  assert.equal(sampleValue(text, 'hw_power', { hw_id: 'hall_a_feed_power', hw_type: 'power_supply' }), 42500, 'kW converted to W');
  assert.equal(sampleValue(text, 'hw_voltage', { hw_id: 'hall_a_voltage' }), 400);
  assert.equal(sampleValue(text, 'hw_current', { hw_id: 'hall_a_current' }), 61);
  assert.equal(sampleValue(text, 'hw_energy_total', { hw_id: 'pdu_energy' }), 1234 * 3.6e6, 'kWh counter converted to J');
  assert.equal(sampleValue(text, 'loopgate_signal_value', { hw_id: 'chiller_flow', loopgate_kind: 'flow', loopgate_unit: '%' }), 55);
  assert.equal(sampleValue(text, 'loopgate_signal_loop_current', { hw_id: 'hall_a_inlet_temp' }), 8.8);
  assert.equal(sampleValue(text, 'loopgate_signal_quality', { hw_id: 'hall_a_inlet_temp', loopgate_quality: 'good' }), 0);
  const age = sampleValue(text, 'loopgate_signal_age', { hw_id: 'hall_a_inlet_temp' });
  assert.ok(age !== undefined && age >= 0, `age ${age}`);
  assert.match(text, /# TYPE hw_temperature gauge\n/);
  assert.match(text, /# TYPE hw_energy_total counter\n/);
  assert.match(text, /^target_info\{service_name="loopgate",service_version="[^"]+",service_instance_id="edge-t",host_name="test-host",loopgate_site="plant-t"\} 1$/m);
});

test('zone limits, aggregates and heating margin', async (t) => {
  const { store, base } = await startTelemetry(t);
  feed(store);
  const text = await scrape(base);
  assert.equal(sampleValue(text, 'hw_temperature_limit', { loopgate_zone: 'hall-a', hw_limit_type: 'high.critical' }), 35);
  assert.equal(sampleValue(text, 'hw_temperature_limit', { loopgate_zone: 'hall-a', hw_limit_type: 'high.degraded' }), 33);
  assert.equal(sampleValue(text, 'loopgate_zone_temperature', { loopgate_zone: 'hall-a' }), 30);
  assert.equal(sampleValue(text, 'hw_host_heating_margin', { loopgate_zone: 'hall-a' }), 5);
  assert.equal(sampleValue(text, 'loopgate_zone_power', { loopgate_zone: 'hall-a' }), 42500);
  assert.equal(sampleValue(text, 'loopgate_zone_power_budget', { loopgate_zone: 'hall-a' }), 120000);
  assert.equal(sampleValue(text, 'loopgate_zone_quality', { loopgate_zone: 'hall-a', loopgate_quality: 'good' }), 0);
});

test('a bad reading hides the value but not the quality; a wire break still shows its loop current', async (t) => {
  const { store, base } = await startTelemetry(t);
  feed(store);
  store.values('plc-1', Date.now(), [['hall_a_inlet_temp', -5000]]); // 1.1 mA: wire break
  const text = await scrape(base);
  assert.equal(sampleValue(text, 'hw_temperature', { hw_id: 'hall_a_inlet_temp' }), undefined);
  assert.equal(sampleValue(text, 'loopgate_signal_quality', { hw_id: 'hall_a_inlet_temp', loopgate_quality: 'bad' }), 2);
  assert.equal(sampleValue(text, 'loopgate_signal_quality', { hw_id: 'hall_a_inlet_temp', loopgate_quality: 'good' }), undefined, 'one series per signal: the current state');
  const ma = sampleValue(text, 'loopgate_signal_loop_current', { hw_id: 'hall_a_inlet_temp' });
  assert.ok(ma !== undefined && ma < 3.6, `loop current ${ma}`);
  assert.equal(sampleValue(text, 'hw_host_heating_margin', { loopgate_zone: 'hall-a' }), undefined, 'no margin without a usable temperature');
  assert.equal(sampleValue(text, 'loopgate_zone_quality', { loopgate_quality: 'bad' }), 2);
});

test('a stale reading is not served as a current value', async (t) => {
  const { store, base } = await startTelemetry(t);
  feed(store, Date.now() - 120_000); // older than the zone's stale_after_ms (60 s)
  const text = await scrape(base);
  assert.equal(sampleValue(text, 'hw_temperature', { hw_id: 'hall_a_inlet_temp' }), undefined);
  assert.equal(sampleValue(text, 'loopgate_signal_loop_current', { hw_id: 'hall_a_inlet_temp' }), undefined);
  assert.equal(sampleValue(text, 'loopgate_signal_quality', { hw_id: 'hall_a_inlet_temp', loopgate_quality: 'bad' }), 2);
  const age = sampleValue(text, 'loopgate_signal_age', { hw_id: 'hall_a_inlet_temp' });
  assert.ok(age !== undefined && age >= 120, `age ${age}`);
});

test('self-metrics of other layers keep their bucket advice and names', async (t) => {
  const { telemetry, base } = await startTelemetry(t);
  const h = telemetry.meter.createHistogram(layerMetric.modbusDuration, { unit: 's', advice: { explicitBucketBoundaries: [...modbusDurationBuckets] } });
  h.record(0.0042, { 'loopgate.bus': 'hall-plc', 'loopgate.device': 'plc-1' });
  const c = telemetry.meter.createCounter(layerMetric.modbusTransactions, { unit: '{transaction}' });
  c.add(3, { 'loopgate.bus': 'hall-plc', 'loopgate.device': 'plc-1', 'loopgate.result': 'timeout' });
  const text = await scrape(base);
  const les = [...text.matchAll(/^loopgate_modbus_transaction_duration_bucket\{[^}]*le="([^"]+)"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])]);
  assert.deepEqual(les.map(([le]) => le), [...modbusDurationBuckets.map(String), '+Inf']);
  assert.deepEqual(les.map(([, n]) => n), [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  assert.equal(sampleValue(text, 'loopgate_modbus_transaction_duration_count'), 1);
  assert.equal(sampleValue(text, 'loopgate_modbus_transactions_total', { loopgate_result: 'timeout' }), 3);
  assert.equal(sampleValue(text, 'loopgate_metrics_scrapes_total', { loopgate_result: 'ok' }), undefined, 'counted after the scrape it belongs to');
  assert.equal(sampleValue(await scrape(base), 'loopgate_metrics_scrapes_total', { loopgate_result: 'ok' }), 1);
});

test('/healthz answers; /readyz is 503 naming what is pending, then 200', async (t) => {
  const { readiness, base } = await startTelemetry(t);
  const done = readiness.require('bus hall-plc opened');
  const health = await fetch(`${base}/healthz`);
  assert.equal(health.status, 200);
  let ready = await fetch(`${base}/readyz`);
  assert.equal(ready.status, 503);
  assert.match(await ready.text(), /waiting for bus hall-plc opened/);
  readiness.seal();
  done();
  ready = await fetch(`${base}/readyz`);
  assert.equal(ready.status, 200);
  assert.equal(await ready.text(), 'ready\n');
  assert.equal((await fetch(`${base}/nope`)).status, 404);
  assert.equal((await fetch(`${base}/metrics`, { method: 'POST' })).status, 405);
});

/** A raw GET or HEAD of /metrics (no transparent decompression): status, headers, body bytes. */
async function rawScrape(base: string, headers: Record<string, string>, method = 'GET'): Promise<{ res: IncomingMessage; body: Buffer }> {
  const req = request(`${base}/metrics`, { method, headers });
  req.end();
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return { res, body: Buffer.concat(chunks) };
}

test('/metrics answers gzip when the scraper accepts it, plain text when it does not', async (t) => {
  const { store, base } = await startTelemetry(t);
  feed(store);
  const plain = await rawScrape(base, {});
  assert.equal(plain.res.headers['content-encoding'], undefined);
  assert.equal(plain.res.headers['vary'], 'accept-encoding');
  assert.equal(Number(plain.res.headers['content-length']), plain.body.length);
  const zipped = await rawScrape(base, { 'accept-encoding': 'gzip' });
  assert.equal(zipped.res.statusCode, 200);
  assert.equal(zipped.res.headers['content-encoding'], 'gzip');
  assert.equal(zipped.res.headers['vary'], 'accept-encoding');
  assert.match(zipped.res.headers['content-type'] ?? '', /^text\/plain; version=0\.0\.4/);
  assert.equal(Number(zipped.res.headers['content-length']), zipped.body.length);
  const text = gunzipSync(zipped.body).toString('utf8');
  assert.ok(zipped.body.length < Buffer.byteLength(text), 'smaller than the text');
  const temp = { hw_id: 'hall_a_inlet_temp', loopgate_zone: 'hall-a' };
  assert.equal(sampleValue(text, 'hw_temperature', temp), 30);
  const series = (body: string): string[] => [...samples(body).keys()].filter((k) => !k.startsWith('loopgate_metrics_scrapes')).sort();
  assert.deepEqual(series(text), series(plain.body.toString('utf8')), 'the same series either way');
  assert.equal((await rawScrape(base, { 'accept-encoding': 'gzip;q=0' })).res.headers['content-encoding'], undefined);
  const head = await rawScrape(base, { 'accept-encoding': 'gzip' }, 'HEAD');
  assert.equal(head.res.headers['content-encoding'], 'gzip');
  assert.equal(head.body.length, 0);
});

test('prometheus disabled: no endpoint, the meter still works', async (t) => {
  const { base, components, telemetry } = await startTelemetry(t, plantConfig({ prometheus: { enabled: false } }));
  assert.equal(base, '');
  assert.deepEqual(components.map((c) => c.name), ['meter-provider']);
  telemetry.meter.createCounter('loopgate.x').add(1);
});
