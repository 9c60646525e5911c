/** /metrics, /healthz and /readyz over a live loopback socket, with signal values from the store. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { feedPlant, find, get, parseExposition, startGateway } from './metrics-peers.ts';

test('/metrics serves the signal gauges from the store snapshot with hw.* names and attributes', async (t) => {
  const gw = await startGateway(t);
  const now = Date.now();
  feedPlant(gw.store, now);
  const res = await get(`${gw.base}/metrics`);
  assert.equal(res.status, 200);
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  const s = parseExposition(res.body);

  const inlet = find(s, 'hw_temperature', { hw_id: 'hall_a_inlet_temp' });
  assert.equal(inlet.length, 1);
  assert.ok(Math.abs(inlet[0]!.value - 30) < 1e-9, `inlet ${inlet[0]!.value}`);
  assert.deepEqual(
    { ...inlet[0]!.labels, otel_scope_name: undefined, otel_scope_version: undefined },
    { hw_id: 'hall_a_inlet_temp', hw_name: 'hall_a_inlet_temp', hw_type: 'temperature', loopgate_device: 'pdu-1', loopgate_bus: 'rs485-a', loopgate_zone: 'hall-a', otel_scope_name: undefined, otel_scope_version: undefined },
  );
  assert.equal(find(s, 'hw_temperature', { hw_id: 'hall_a_outlet_temp', loopgate_bus: 'hall-plc' })[0]?.value, 28);
  assert.equal(find(s, 'hw_power', { hw_id: 'hall_a_feed_power' })[0]?.value, 42500);
  assert.equal(find(s, 'hw_voltage', { hw_id: 'hall_a_feed_voltage' })[0]?.value, 230);
  assert.equal(find(s, 'hw_current', { hw_id: 'hall_a_feed_current' })[0]?.value, 12.5, 'mA converted to A');
  assert.equal(find(s, 'hw_energy_total', { hw_id: 'hall_a_energy' })[0]?.value, 1234 * 3.6e6, 'kWh converted to J, a counter');
  assert.equal(find(s, 'loopgate_signal_value', { hw_id: 'hall_a_flow', loopgate_unit: 'L/min' })[0]?.value, 17);
  // 4-20 mA loop current of the inlet: 30 of 0..150 -> 4 + 16 * 0.2 = 7.2 mA
  assert.ok(Math.abs(find(s, 'loopgate_signal_loop_current', { hw_id: 'hall_a_inlet_temp' })[0]!.value - 7.2) < 1e-9);
  assert.equal(find(s, 'loopgate_signal_quality', { hw_id: 'hall_a_inlet_temp', loopgate_quality: 'good' })[0]?.value, 1);
  assert.equal(find(s, 'loopgate_signal_quality', { hw_id: 'hall_a_inlet_temp', loopgate_quality: 'bad' })[0]?.value, 0);
  assert.ok(find(s, 'loopgate_signal_age', { hw_id: 'hall_a_inlet_temp' })[0]!.value >= 0);

  // zone aggregates and limits
  assert.equal(find(s, 'hw_temperature_limit', { hw_id: 'hall_a_inlet_temp', hw_limit_type: 'high.critical', loopgate_zone: 'hall-a' })[0]?.value, 35);
  assert.equal(find(s, 'hw_temperature_limit', { hw_id: 'hall_a_outlet_temp', hw_limit_type: 'high.degraded' })[0]?.value, 33);
  assert.ok(Math.abs(find(s, 'hw_host_heating_margin', { loopgate_zone: 'hall-a' })[0]!.value - 5) < 1e-9);
  assert.ok(Math.abs(find(s, 'loopgate_zone_temperature', { loopgate_zone: 'hall-a' })[0]!.value - 30) < 1e-9);
  assert.equal(find(s, 'loopgate_zone_power', { loopgate_zone: 'hall-a' })[0]?.value, 42500);
  assert.equal(find(s, 'loopgate_zone_power_budget', { loopgate_zone: 'hall-a' })[0]?.value, 120000);
  assert.equal(find(s, 'loopgate_zone_quality', { loopgate_zone: 'hall-a', loopgate_quality: 'good' })[0]?.value, 1);

  // the Resource: target_info carries service and site
  const info = find(s, 'target_info')[0];
  assert.ok(info, 'target_info present');
  assert.equal(info.labels['service_name'], 'loopgate');
  assert.equal(info.labels['service_instance_id'], 'edge-07');
  assert.equal(info.labels['loopgate_site'], 'plant-7');
  assert.ok(info.labels['service_version'] && info.labels['host_name']);
});

test('a failed or stale signal exports no value, only its quality', async (t) => {
  const gw = await startGateway(t);
  const old = Date.now() - 60_000;
  feedPlant(gw.store, old); // default stale_after: 3 x poll_ms (1000) -> stale now
  gw.store.failure('plc-1', Date.now(), ['hall_a_outlet_temp'], { kind: 'timeout', message: 'no reply' });
  const s = parseExposition((await get(`${gw.base}/metrics`)).body);
  assert.equal(find(s, 'hw_temperature').length, 0, 'no temperature value from a stale or failed read');
  assert.equal(find(s, 'loopgate_signal_quality', { hw_id: 'hall_a_inlet_temp', loopgate_quality: 'bad' })[0]?.value, 1);
  assert.equal(find(s, 'loopgate_zone_quality', { loopgate_zone: 'hall-a', loopgate_quality: 'bad' })[0]?.value, 1);
  assert.ok(find(s, 'loopgate_signal_age', { hw_id: 'hall_a_inlet_temp' })[0]!.value >= 60);
  assert.equal(find(s, 'hw_host_heating_margin').length, 0);
  assert.equal(find(s, 'hw_temperature_limit', { hw_limit_type: 'high.critical' }).length, 2, 'limits stay');
});

test('/healthz answers; /readyz is 503 naming what is pending, then 200', async (t) => {
  const gw = await startGateway(t);
  assert.equal((await get(`${gw.base}/healthz`)).status, 200);
  const done = gw.rt.readiness.require('bus rs485-a opened');
  gw.rt.readiness.seal();
  const pending = await get(`${gw.base}/readyz`);
  assert.equal(pending.status, 503);
  assert.match(pending.body, /waiting for: bus rs485-a opened/);
  done();
  assert.equal((await get(`${gw.base}/readyz`)).status, 200);
  assert.equal((await get(`${gw.base}/nope`)).status, 404);
  assert.equal((await get(`${gw.base}/metrics`, 'POST')).status, 405);
  const head = await get(`${gw.base}/metrics`, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
});
