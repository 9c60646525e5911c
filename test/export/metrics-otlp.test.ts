/**
 * OTLP/gRPC push to a receiver in the test (grpc-js serving MetricsService/Export): names, units,
 * resource attributes and temporality arrive as configured; with the receiver stopped exports fail
 * and are counted; restarted on its port, export resumes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OtlpPush } from '../../src/export/otlp-push.ts';
import { feedPlant, find, get, parseExposition, plantYaml, pollUntil, startGateway, type Gateway } from './metrics-peers.ts';
import { recordSelfMetrics } from './metrics-self.ts';
import { attrs, metricsOf, OtlpReceiver, type OtlpRequest } from './otlp-receiver.ts';

async function gatewayWithOtlp(t: import('node:test').TestContext, receiver: OtlpReceiver, temporality = 'cumulative'): Promise<{ gw: Gateway; push: OtlpPush }> {
  const gw = await startGateway(t, plantYaml(`  otlp: { endpoint: 'http://127.0.0.1:${receiver.port}', interval_ms: 60000, timeout_ms: 2000, temporality: ${temporality}, headers: { x-api-key: secret-1 } }\n`));
  const push = gw.parts.find((p): p is OtlpPush => p instanceof OtlpPush);
  assert.ok(push, 'an OtlpPush component when metrics.otlp is set');
  return { gw, push };
}

/** Pushes now (the interval is long so the test drives the cadence) until the receiver has a new request. */
async function pushUntilReceived(push: OtlpPush, receiver: OtlpReceiver): Promise<OtlpRequest> {
  const before = receiver.requests.length;
  return pollUntil(async () => {
    await push.tick();
    return receiver.requests.length > before ? receiver.requests.at(-1) : undefined;
  }, 'an OTLP export to arrive', 20_000, 50);
}

test('OTLP export carries hw.* gauges with units, attributes and the Resource', async (t) => {
  const receiver = new OtlpReceiver();
  await receiver.start();
  t.after(() => receiver.stop());
  const { gw, push } = await gatewayWithOtlp(t, receiver);
  feedPlant(gw.store);
  recordSelfMetrics(gw.telemetry.meter);

  const req = await pushUntilReceived(push, receiver);
  assert.equal(receiver.metadata.at(-1)?.['x-api-key'], 'secret-1', 'metrics.otlp.headers sent as gRPC metadata');
  const res = attrs(req.resourceMetrics[0]!.resource.attributes);
  assert.equal(res['service.name'], 'loopgate');
  assert.equal(res['service.instance.id'], 'edge-07');
  assert.equal(res['loopgate.site'], 'plant-7');
  assert.equal(typeof res['service.version'], 'string');
  assert.equal(typeof res['host.name'], 'string');

  const m = metricsOf(req);
  const temp = m.get('hw.temperature');
  assert.ok(temp?.gauge, 'hw.temperature is a gauge');
  assert.equal(temp.unit, 'Cel');
  const inlet = temp.gauge.dataPoints.find((p) => attrs(p.attributes)['hw.id'] === 'hall_a_inlet_temp');
  assert.ok(inlet);
  assert.deepEqual(attrs(inlet.attributes), { 'hw.id': 'hall_a_inlet_temp', 'hw.name': 'hall_a_inlet_temp', 'hw.type': 'temperature', 'loopgate.device': 'pdu-1', 'loopgate.bus': 'rs485-a', 'loopgate.zone': 'hall-a' });
  assert.ok(Math.abs(inlet.asDouble! - 30) < 1e-9);
  assert.equal(m.get('hw.power')?.unit, 'W');
  assert.equal(m.get('hw.temperature.limit')?.unit, 'Cel');
  assert.equal(m.get('hw.host.heating_margin')?.unit, 'Cel');
  assert.equal(m.get('loopgate.signal.loop_current')?.unit, 'mA');
  const energy = m.get('hw.energy');
  assert.equal(energy?.unit, 'J');
  assert.equal(energy?.sum?.isMonotonic, true);
  assert.equal(energy?.sum?.aggregationTemporality, 'AGGREGATION_TEMPORALITY_CUMULATIVE');
  const dur = m.get('loopgate.modbus.transaction.duration');
  assert.equal(dur?.unit, 's');
  assert.deepEqual(dur?.histogram?.dataPoints[0]?.explicitBounds, [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2]);
  assert.equal(m.get('loopgate.modbus.transactions')?.sum?.aggregationTemporality, 'AGGREGATION_TEMPORALITY_CUMULATIVE');
});

test('delta temporality is configurable for counters and histograms', async (t) => {
  const receiver = new OtlpReceiver();
  await receiver.start();
  t.after(() => receiver.stop());
  const { gw, push } = await gatewayWithOtlp(t, receiver, 'delta');
  recordSelfMetrics(gw.telemetry.meter);
  const m = metricsOf(await pushUntilReceived(push, receiver));
  assert.equal(m.get('loopgate.modbus.transactions')?.sum?.aggregationTemporality, 'AGGREGATION_TEMPORALITY_DELTA');
  assert.equal(m.get('loopgate.modbus.transaction.duration')?.histogram?.aggregationTemporality, 'AGGREGATION_TEMPORALITY_DELTA');
  // /metrics stays cumulative whatever OTLP does
  const s = parseExposition((await get(`${gw.base}/metrics`)).body);
  assert.equal(find(s, 'loopgate_modbus_transactions_total', { loopgate_result: 'ok' })[0]?.value, 40);
});

test('collector down: exports fail and are counted; restarted, export resumes', async (t) => {
  const receiver = new OtlpReceiver();
  await receiver.start();
  t.after(() => receiver.stop());
  const { gw, push } = await gatewayWithOtlp(t, receiver);
  feedPlant(gw.store);
  await pushUntilReceived(push, receiver);

  receiver.stop();
  const port = receiver.port;
  for (let i = 0; i < 3; i++) await push.tick(); // each fails (connection refused or deadline), never throws
  const down = parseExposition((await get(`${gw.base}/metrics`)).body);
  const errors = find(down, 'loopgate_metrics_otlp_exports_total', { loopgate_result: 'error' })[0]?.value ?? 0;
  assert.ok(errors >= 3, `errors counted: ${errors}`);

  await receiver.start(port);
  feedPlant(gw.store);
  const req = await pushUntilReceived(push, receiver);
  assert.ok(metricsOf(req).get('hw.temperature'), 'export resumed with the signal gauges');
  const up = parseExposition((await get(`${gw.base}/metrics`)).body);
  assert.ok((find(up, 'loopgate_metrics_otlp_exports_total', { loopgate_result: 'ok' })[0]?.value ?? 0) >= 2);
});
