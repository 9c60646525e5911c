/** OTLP/gRPC push against a real grpc-js receiver serving the official MetricsService protos. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { feed, plantConfig, startTelemetry } from './fixture.ts';
import { attr, metricsOf, OtlpReceiver, type ExportRequest, type OtlpMetric } from './otlp-receiver.ts';
import { tempDir } from '../helpers/cli.ts';

async function receiver(t: { after: (fn: () => Promise<void>) => void }, creds?: grpc.ServerCredentials): Promise<{ rx: OtlpReceiver; port: number }> {
  const rx = new OtlpReceiver();
  const port = await rx.start(0, creds);
  t.after(() => rx.stop());
  return { rx, port };
}

/** Flushes until a request carrying `name` arrives (the periodic reader may push first). */
async function requestWith(rx: OtlpReceiver, flush: () => Promise<void>, name: string): Promise<{ req: ExportRequest; metric: OtlpMetric }> {
  for (let i = 0; i < 20; i++) {
    const next = rx.nextRequest();
    await flush();
    const req = await next;
    const metric = metricsOf(req).find((m) => m.name === name);
    if (metric) return { req, metric };
  }
  throw new Error(`no request carried ${name}`);
}

test('gauges arrive with their names, units, attributes and the loopgate resource', async (t) => {
  const { rx, port } = await receiver(t);
  const headers = new Promise<grpc.Metadata>((resolve) => rx.once('request', (_r, md) => resolve(md)));
  const { store, telemetry } = await startTelemetry(t, plantConfig({ prometheus: { enabled: false }, otlp: { endpoint: `http://127.0.0.1:${port}`, interval_ms: 1000, headers: { 'x-tenant': 'plant-t' } } }));
  feed(store);
  const flush = (): Promise<void> => telemetry.otlp!.reader.forceFlush();
  const { req, metric } = await requestWith(rx, flush, 'hw.temperature');
  assert.equal(metric.unit, 'Cel');
  const p = metric.gauge!.dataPoints.find((d) => attr(d.attributes, 'hw.id') === 'hall_a_inlet_temp')!;
  assert.equal(p.asDouble, 30);
  assert.equal(attr(p.attributes, 'loopgate.zone'), 'hall-a');
  assert.equal(attr(p.attributes, 'loopgate.device'), 'plc-1');
  assert.equal(attr(p.attributes, 'loopgate.bus'), 'hall-plc');
  assert.equal(attr(p.attributes, 'hw.type'), 'temperature');
  const res = req.resourceMetrics[0]!.resource.attributes;
  assert.equal(attr(res, 'service.name'), 'loopgate');
  assert.equal(attr(res, 'service.instance.id'), 'edge-t');
  assert.equal(attr(res, 'host.name'), 'test-host');
  assert.equal(attr(res, 'loopgate.site'), 'plant-t');
  assert.equal(typeof attr(res, 'service.version'), 'string');
  const byName = new Map(metricsOf(req).map((m) => [m.name, m]));
  assert.equal(byName.get('hw.power')?.unit, 'W');
  assert.equal(byName.get('hw.power')?.gauge?.dataPoints[0]?.asDouble, 42500);
  assert.equal(byName.get('loopgate.signal.loop_current')?.unit, 'mA');
  assert.equal(byName.get('hw.host.heating_margin')?.unit, 'Cel');
  assert.equal(byName.get('hw.temperature.limit')?.gauge?.dataPoints.length, 2);
  const energy = byName.get('hw.energy')!;
  assert.equal(energy.unit, 'J');
  assert.equal(energy.sum?.isMonotonic, true);
  assert.equal(energy.sum?.aggregationTemporality, 'AGGREGATION_TEMPORALITY_CUMULATIVE');
  assert.equal((await headers).get('x-tenant')[0], 'plant-t');
});

test('collector down: failures are counted; restarted: export resumes', async (t) => {
  const rx = new OtlpReceiver();
  const port = await rx.start(0);
  t.after(() => rx.stop());
  const { store, telemetry } = await startTelemetry(t, plantConfig({ prometheus: { enabled: false }, otlp: { endpoint: `http://127.0.0.1:${port}`, interval_ms: 1000, timeout_ms: 1000 } }));
  feed(store);
  const otlp = telemetry.otlp!;
  await requestWith(rx, () => otlp.reader.forceFlush(), 'hw.temperature');
  await rx.stop();
  const deadline = Date.now() + 20_000;
  while (otlp.exporter.failures === 0 && Date.now() < deadline) await otlp.reader.forceFlush();
  assert.ok(otlp.exporter.failures > 0, 'a failed export was counted');
  const okBefore = otlp.exporter.successes;
  await rx.start(port);
  const { metric } = await requestWith(rx, () => otlp.reader.forceFlush(), 'hw.temperature');
  assert.equal(metric.gauge!.dataPoints[0]!.asDouble, 30);
  while (otlp.exporter.successes === okBefore && Date.now() < deadline) await otlp.reader.forceFlush();
  assert.ok(otlp.exporter.successes > okBefore, 'export resumed');
  // The failures are a self-metric too: the next push carries loopgate.otlp.exports{result=failed}.
  const { metric: exports } = await requestWith(rx, () => otlp.reader.forceFlush(), 'loopgate.otlp.exports');
  const failed = exports.sum!.dataPoints.find((d) => attr(d.attributes, 'loopgate.result') === 'failed');
  assert.ok(failed && Number(failed.asDouble ?? failed.asInt) >= 1, 'loopgate.otlp.exports counts the failures');
});

test('delta temporality is configurable', async (t) => {
  const { rx, port } = await receiver(t);
  const { store, telemetry } = await startTelemetry(t, plantConfig({ prometheus: { enabled: false }, otlp: { endpoint: `http://127.0.0.1:${port}`, interval_ms: 1000, temporality: 'delta' } }));
  feed(store);
  const flush = (): Promise<void> => telemetry.otlp!.reader.forceFlush();
  await requestWith(rx, flush, 'hw.energy');
  store.values('plc-1', Date.now(), [['pdu_energy', 1236]]); // +2 kWh
  const { metric } = await requestWith(rx, flush, 'hw.energy');
  assert.equal(metric.sum!.aggregationTemporality, 'AGGREGATION_TEMPORALITY_DELTA');
  assert.equal(metric.sum!.dataPoints[0]!.asDouble, 2 * 3.6e6);
});

test('TLS with a private CA and a client certificate (mTLS)', async (t) => {
  const dir = tempDir();
  t.after(dir.cleanup);
  const ssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir.dir, stdio: 'ignore' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=test-ca');
  for (const [name, san] of [['server', 'IP:127.0.0.1'], ['client', 'DNS:loopgate']] as const) {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    dir.write(`${name}.ext`, `subjectAltName=${san}\n`);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', '-extfile', `${name}.ext`);
    chmodSync(`${dir.dir}/${name}.key`, 0o600);
  }
  const read = (f: string): Buffer => readFileSync(`${dir.dir}/${f}`);
  let received = false;
  const creds = grpc.ServerCredentials.createSsl(read('ca.crt'), [{ cert_chain: read('server.crt'), private_key: read('server.key') }], true);
  const { rx, port } = await receiver(t, creds);
  rx.on('request', () => (received = true));
  const tls = { ca: `${dir.dir}/ca.crt`, cert: `${dir.dir}/client.crt`, key: `${dir.dir}/client.key` };
  const { store, telemetry } = await startTelemetry(t, plantConfig({ prometheus: { enabled: false }, otlp: { endpoint: `https://127.0.0.1:${port}`, interval_ms: 1000, tls } }));
  feed(store);
  const { metric } = await requestWith(rx, () => telemetry.otlp!.reader.forceFlush(), 'hw.temperature');
  assert.equal(metric.unit, 'Cel');
  assert.ok(received, 'the receiver, which requires a client certificate, got the push');
});
