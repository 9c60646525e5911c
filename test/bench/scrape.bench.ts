/**
 * Scrape cost of /metrics at 1k, 10k and 50k signals, side by side in one run:
 *   loopgate        - the daemon's path: signal producer -> pull reader -> prom-text serializer
 *   otel-serializer - the same OTel collection through @opentelemetry/exporter-prometheus's serializer
 *   prom-client     - prom-client gauges set from the same snapshot in a collect() hook, same series
 * Each server runs in its own child process (the "daemon"), scraped over loopback HTTP by this
 * process. Prints one JSON line: median and p99 latency, bytes, daemon RSS, ratios.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

const impls = ['loopgate', 'otel-serializer', 'prom-client'] as const;
type Impl = (typeof impls)[number];
const sizes = [1000, 10_000, 50_000];

function benchConfig(n: number): unknown {
  const perDevice = 100;
  const devices = [];
  for (let d = 0; d < n / perDevice; d++) {
    const signals = [];
    for (let s = 0; s < perDevice; s++) {
      signals.push({ id: `t_${d}_${s}`, kind: 'temperature', table: 'input', address: s, loop: { raw: [0, 27648], eu: [0, 100] }, unit: 'Cel' });
    }
    devices.push({ id: `dev-${d}`, bus: `bus-${d % 10}`, unit: 1 + (d % 247), poll_ms: 1000, signals });
  }
  const buses = Array.from({ length: 10 }, (_, i) => ({ id: `bus-${i}`, transport: 'tcp', host: '127.0.0.1', port: 1502 + i }));
  return { site: 'bench', gateway_id: 'bench-gw', buses, devices, metrics: { prometheus: { listen: '127.0.0.1:0' } } };
}

async function daemon(impl: Impl, n: number): Promise<void> {
  const { parseConfig } = await import('../../src/config/load.ts');
  const { SignalStore } = await import('../../src/signals/store.ts');
  const config = parseConfig(JSON.stringify(benchConfig(n)));
  const store = new SignalStore(config);
  // The "poll": every signal gets a fresh value each second, as the field layer would deliver.
  const poll = (): void => {
    const now = Date.now();
    for (const dev of config.devices) store.values(dev.id, now, dev.signals.map((s, i) => [s.id, 5000 + ((i * 37 + now / 1000) % 20000)] as const));
  };
  poll();
  setInterval(poll, 1000).unref();
  let port: number;
  if (impl === 'prom-client') {
    port = await promClientServer(store);
  } else {
    const { createTelemetry } = await import('../../src/export/telemetry.ts');
    const { createLogger } = await import('../../src/log.ts');
    const { Readiness } = await import('../../src/readiness.ts');
    const log = createLogger({ level: 'silent' });
    const telemetry = createTelemetry(config, log);
    const rt = { config, log, store, meter: telemetry.meter, readiness: new Readiness(), clock: Date.now };
    if (impl === 'loopgate') {
      const comps = telemetry.components(rt);
      for (const c of comps) await c.start();
      const http = comps.find((c) => c.name === 'metrics-http') as unknown as { address(): { port: number } };
      port = http.address().port;
    } else {
      telemetry.components(rt); // binds the producers to the store
      const { PrometheusSerializer } = await import('@opentelemetry/exporter-prometheus');
      const serializer = new PrometheusSerializer('', false, undefined, false, true);
      const server = createServer((_req, res) => {
        void telemetry.pull!.collect().then(({ resourceMetrics }) => {
          res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
          res.end(serializer.serialize(resourceMetrics));
        });
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      port = (server.address() as { port: number }).port;
    }
  }
  process.send!({ port });
  process.on('message', (m: string) => {
    if (m === 'rss') process.send!({ rss: process.memoryUsage().rss });
  });
}

async function promClientServer(store: import('../../src/signals/store.ts').SignalStore): Promise<number> {
  const client = await import('prom-client');
  const registry = new client.Registry();
  const labelNames = ['hw_id', 'hw_name', 'hw_type', 'loopgate_device', 'loopgate_bus'] as const;
  const busOf = new Map<string, string>();
  const temp = new client.Gauge({ name: 'hw_temperature', help: 'temperature', labelNames, registers: [registry] });
  const quality = new client.Gauge({ name: 'loopgate_signal_quality', help: 'quality', labelNames: [...labelNames, 'loopgate_quality'], registers: [registry] });
  const age = new client.Gauge({ name: 'loopgate_signal_age', help: 'age', labelNames, registers: [registry] });
  const loop = new client.Gauge({
    name: 'loopgate_signal_loop_current',
    help: 'loop current',
    labelNames,
    registers: [registry],
    // Read at scrape time from the same snapshot, like the OTel producer.
    collect() {
      const snap = store.snapshot();
      for (const s of snap.signals.values()) {
        const bus = busOf.get(s.deviceId) ?? `bus-${Number(s.deviceId.slice(4)) % 10}`;
        busOf.set(s.deviceId, bus);
        const l = { hw_id: s.signalId, hw_name: s.signalId, hw_type: 'temperature', loopgate_device: s.deviceId, loopgate_bus: bus };
        if (s.value !== null) temp.set(l, s.value);
        quality.set({ ...l, loopgate_quality: s.quality }, 0);
        if (s.lastValueTs !== null) age.set(l, (snap.takenAt - s.lastValueTs) / 1000);
        if (s.loopMa !== undefined) this.set(l, s.loopMa);
      }
    },
  });
  void loop;
  const server = createServer((_req, res) => {
    void registry.metrics().then((body) => {
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

async function scrapeOnce(port: number): Promise<{ ms: number; bytes: number }> {
  const t0 = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  const body = await res.arrayBuffer();
  return { ms: performance.now() - t0, bytes: body.byteLength };
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
};
const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

async function measure(impl: Impl, n: number): Promise<Record<string, number | string>> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['daemon', impl, String(n)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const [{ port }] = (await once(child, 'message')) as [{ port: number }];
    const runs = n >= 50_000 ? 10 : 30;
    for (let i = 0; i < 5; i++) await scrapeOnce(port);
    const ms: number[] = [];
    let bytes = 0;
    for (let i = 0; i < runs; i++) {
      const r = await scrapeOnce(port);
      ms.push(r.ms);
      bytes = r.bytes;
    }
    child.send('rss');
    const [{ rss }] = (await once(child, 'message')) as [{ rss: number }];
    return { impl, signals: n, scrapes: runs, median_ms: round(quantile(ms, 0.5)), p99_ms: round(quantile(ms, 0.99)), bytes, rss_mb: round(rss / 2 ** 20, 1) };
  } finally {
    child.kill();
  }
}

async function main(): Promise<void> {
  const results: Array<Record<string, number | string>> = [];
  for (const n of sizes) for (const impl of impls) results.push(await measure(impl, n));
  const median = (impl: Impl, n: number): number => results.find((r) => r.impl === impl && r.signals === n)!.median_ms as number;
  const ratios: Record<string, number> = {};
  for (const n of sizes) {
    ratios[`loopgate_vs_prom_client_${n}`] = round(median('loopgate', n) / median('prom-client', n));
    ratios[`loopgate_vs_otel_serializer_${n}`] = round(median('loopgate', n) / median('otel-serializer', n));
  }
  const cpu = cpus();
  console.log(JSON.stringify({ bench: 'scrape', node: process.version, cpu: cpu[0]?.model, cores: cpu.length, series_per_signal: 4, results, ratios }));
}

if (process.argv[2] === 'daemon') await daemon(process.argv[3] as Impl, Number(process.argv[4]));
else await main();
