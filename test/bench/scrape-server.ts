/**
 * One scrape-benchmark daemon (a child process, so its RSS is its own): N temperature signals on
 * 4-20 mA loops in a real SignalStore, served on a loopback port 0 by one implementation:
 *   otel-stock  - loopgate's telemetry with the stock OpenTelemetry PrometheusSerializer
 *   otel-fast   - loopgate's telemetry with loopgate's own serializer (the default)
 *   prom-client - prom-client gauges with the same series, filled from the same snapshot at scrape
 * Prints {"port":P} on stdout once listening. Usage: node scrape-server.ts IMPL N
 */
import { once } from 'node:events';
import http from 'node:http';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import client from 'prom-client';
import { parseConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/log.ts';
import { Readiness } from '../../src/readiness.ts';
import type { Runtime } from '../../src/runtime.ts';
import { SignalStore } from '../../src/signals/store.ts';
import { createTelemetry } from '../../src/export/telemetry.ts';
import { MetricsHttpServer } from '../../src/export/metrics-http-server.ts';

const [impl = 'otel-fast', nArg = '1000'] = process.argv.slice(2);
const n = Number(nArg);
const perDevice = 100;
const devices = Array.from({ length: Math.ceil(n / perDevice) }, (_, d) => ({
  id: `dev-${d}`,
  bus: `bus-${d % 8}`,
  unit: 1 + (d % 247),
  signals: Array.from({ length: Math.min(perDevice, n - d * perDevice) }, (_, i) => ({ id: `sig_${d}_${i}`, kind: 'temperature', table: 'input', address: i, loop: { raw: [0, 27648], eu: [0, 100] }, unit: 'Cel' })),
}));
const buses = Array.from({ length: 8 }, (_, b) => ({ id: `bus-${b}`, transport: 'tcp', host: '127.0.0.1', port: 1502 + b }));
const config = parseConfig(JSON.stringify({ site: 'bench', gateway_id: 'bench-gw', log: { level: 'silent' }, buses, devices, metrics: { prometheus: { listen: '127.0.0.1:0' } } }));
const store = new SignalStore(config);
const feed = (): void => {
  const ts = Date.now();
  for (const d of devices) store.values(d.id, ts, d.signals.map((s, i) => [s.id, 5000 + ((i * 37) % 20000)] as const));
};
feed();
setInterval(feed, 1000).unref();
const log = createLogger({ level: 'silent' });

if (impl === 'prom-client') {
  const reg = new client.Registry();
  const busOf = new Map(config.devices.map((d) => [d.id, d.bus]));
  const labelsOf = new Map<string, Record<string, string>>();
  for (const d of config.devices) for (const s of d.signals) labelsOf.set(s.id, { hw_id: s.id, hw_name: s.id, hw_type: s.kind, loopgate_device: d.id, loopgate_bus: d.bus });
  const names = ['hw_id', 'hw_name', 'hw_type', 'loopgate_device', 'loopgate_bus'];
  const quality = new client.Gauge({
    name: 'loopgate_signal_quality', help: 'Signal quality as a state set', labelNames: ['hw_id', 'loopgate_device', 'loopgate_bus', 'loopgate_quality'], registers: [reg],
    // registered first: its collect() fills the other three gauges before they serialize
    collect() {
      // one snapshot per scrape feeds all four families, like the OTel batch callback
      const snap = store.snapshot();
      for (const [id, s] of snap.signals) {
        const l = labelsOf.get(id)!;
        for (const q of ['good', 'uncertain', 'bad'] as const) this.set({ hw_id: id, loopgate_device: s.deviceId, loopgate_bus: busOf.get(s.deviceId)!, loopgate_quality: q }, q === s.quality ? 1 : 0);
        if (s.lastValueTs !== null) age.set(l, (snap.takenAt - s.lastValueTs) / 1000);
        if (s.loopMa !== undefined) loop.set(l, s.loopMa);
        if (s.value !== null && s.quality !== 'bad') temp.set(l, s.value);
      }
    },
  });
  const temp = new client.Gauge({ name: 'hw_temperature', help: 'Temperature reading of a sensor (signals of kind temperature)', labelNames: names, registers: [reg] });
  const loop = new client.Gauge({ name: 'loopgate_signal_loop_current', help: '4-20 mA loop current', labelNames: names, registers: [reg] });
  const age = new client.Gauge({ name: 'loopgate_signal_age', help: 'Age of the last value', labelNames: names, registers: [reg] });
  void quality;
  const server = http.createServer((req, res) => {
    void (async () => {
      const body = await reg.metrics();
      res.writeHead(200, { 'content-type': reg.contentType, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    })();
    void req;
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  console.log(JSON.stringify({ port: (server.address() as { port: number }).port }));
} else {
  const stock = new PrometheusSerializer();
  const telemetry = createTelemetry(config, log, impl === 'otel-stock' ? { serialize: (rm) => stock.serialize(rm) } : {});
  const rt: Runtime = { config, log, store, meter: telemetry.meter, readiness: new Readiness(), clock: Date.now };
  const parts = telemetry.components(rt);
  for (const p of parts) await p.start();
  const srv = parts.find((p): p is MetricsHttpServer => p instanceof MetricsHttpServer)!;
  console.log(JSON.stringify({ port: srv.address().port }));
}
