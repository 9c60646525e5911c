/**
 * Scrape cost of /metrics at 1k, 10k and 50k signals, side by side in one run:
 *   loopgate        - the daemon's path: signal producer -> pull reader -> prom-text serializer
 *   otel-serializer - the same OTel collection through @opentelemetry/exporter-prometheus's serializer
 *   prom-client     - prom-client gauges set from the same snapshot in a collect() hook, same series
 * Each server runs in its own child process (the "daemon"), scraped over loopback HTTP (node:http,
 * keep-alive) by this process: first plain, then (loopgate and prom-client) with
 * `Accept-Encoding: gzip`, as Prometheus asks; prom-client has no gzip of its own, so its server
 * compresses with the same zlib options loopgate uses. Prints one JSON line: median and p99
 * latency (to the last body byte), bytes on the wire, daemon CPU per scrape (without the
 * once-a-second poll), daemon RSS after startup and after the scrapes, ratios, and gzip levels
 * compared on one 10k-signal body.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzipSync, gzip, gzipSync } from 'node:zlib';
import { GZIP_OPTIONS } from '../../src/export/exposition.ts';

const impls = ['loopgate', 'otel-serializer', 'prom-client'] as const;
type Impl = (typeof impls)[number];
/** SCRAPE_SIZES=10000 (comma-separated) for a quick look; the README figures use all three. */
const sizes = (process.env['SCRAPE_SIZES'] ?? '1000,10000,50000').split(',').map(Number);
/** Implementations also scraped with Accept-Encoding: gzip. */
const gzipImpls: readonly Impl[] = ['loopgate', 'prom-client'];
type Encoding = 'identity' | 'gzip';

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
  // Its CPU is summed apart so the reported CPU per scrape leaves it out.
  let pollCpuUs = 0;
  const poll = (): void => {
    const c0 = process.cpuUsage();
    const now = Date.now();
    for (const dev of config.devices) store.values(dev.id, now, dev.signals.map((s, i) => [s.id, 5000 + ((i * 37 + now / 1000) % 20000)] as const));
    const c = process.cpuUsage(c0);
    pollCpuUs += c.user + c.system;
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
  process.send!({ port, rss: process.memoryUsage().rss });
  // 'mark' starts a measured pass, 'stats' ends it: CPU outside the poll, and RSS.
  let mark = { cpu: 0, poll: 0 };
  const cpuUs = (): number => {
    const c = process.cpuUsage();
    return c.user + c.system;
  };
  process.on('message', (m: string) => {
    if (m === 'mark') {
      mark = { cpu: cpuUs(), poll: pollCpuUs };
      process.send!({ marked: true });
    }
    if (m === 'stats') process.send!({ cpuUs: cpuUs() - mark.cpu - (pollCpuUs - mark.poll), rss: process.memoryUsage().rss });
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
  const server = createServer((req, res) => {
    void registry.metrics().then((body) => send(req, res, registry.contentType, body));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

const gzipAsync = promisify(gzip);

/** prom-client's reply: gzipped when asked, with the options loopgate's endpoint uses. */
async function send(req: IncomingMessage, res: ServerResponse, contentType: string, text: string): Promise<void> {
  const gz = /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
  const body = gz ? await gzipAsync(text, GZIP_OPTIONS) : Buffer.from(text);
  res.writeHead(200, { 'content-type': contentType, 'content-length': body.length, ...(gz ? { 'content-encoding': 'gzip' } : {}) });
  res.end(body);
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** One GET /metrics: time to the last body byte, bytes on the wire, the body (decompressed). */
async function scrapeOnce(port: number, encoding: Encoding): Promise<{ ms: number; bytes: number; body: () => Buffer }> {
  const t0 = performance.now();
  const req = request({ host: '127.0.0.1', port, path: '/metrics', agent, headers: { 'accept-encoding': encoding } });
  req.end();
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  const ms = performance.now() - t0;
  const raw = Buffer.concat(chunks);
  if (res.statusCode !== 200) throw new Error(`scrape answered ${res.statusCode}`);
  if ((res.headers['content-encoding'] === 'gzip') !== (encoding === 'gzip')) throw new Error(`asked for ${encoding}, got ${res.headers['content-encoding'] ?? 'identity'}`);
  return { ms, bytes: raw.length, body: () => (encoding === 'gzip' ? gunzipSync(raw) : raw) };
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
};
const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

type Row = Record<string, number | string>;

const ask = async <T>(child: ChildProcess, m: string): Promise<T> => {
  child.send(m);
  return ((await once(child, 'message')) as [T])[0];
};

async function measure(impl: Impl, n: number, keep: (body: Buffer) => void): Promise<Row[]> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['daemon', impl, String(n)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const [{ port, rss: rssStart }] = (await once(child, 'message')) as [{ port: number; rss: number }];
    const runs = n >= 50_000 ? 10 : 30;
    const rows: Row[] = [];
    for (const encoding of gzipImpls.includes(impl) ? (['identity', 'gzip'] as const) : (['identity'] as const)) {
      for (let i = 0; i < 5; i++) await scrapeOnce(port, encoding);
      await ask(child, 'mark');
      const ms: number[] = [];
      let last: Awaited<ReturnType<typeof scrapeOnce>> | undefined;
      for (let i = 0; i < runs; i++) {
        last = await scrapeOnce(port, encoding);
        ms.push(last.ms);
      }
      const { cpuUs, rss } = await ask<{ cpuUs: number; rss: number }>(child, 'stats');
      const body = last!.body();
      if (encoding === 'identity') keep(body);
      rows.push({
        impl,
        encoding,
        signals: n,
        scrapes: runs,
        median_ms: round(quantile(ms, 0.5)),
        p99_ms: round(quantile(ms, 0.99)),
        daemon_cpu_ms: round(cpuUs / 1000 / runs),
        bytes: last!.bytes,
        body_bytes: body.length,
        rss_start_mb: round(rssStart / 2 ** 20, 1),
        rss_mb: round(rss / 2 ** 20, 1),
      });
    }
    return rows;
  } finally {
    child.kill();
  }
}

/** zlib levels on one 10k-signal exposition: compressed bytes and CPU ms (median of 3). */
function gzipLevels(body: Buffer): Row[] {
  return [1, 3, 6, 9].map((level) => {
    const cpu: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 3; i++) {
      const c0 = process.cpuUsage();
      bytes = gzipSync(body, { level }).length;
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
    }
    return { level, bytes, ratio: round(body.length / bytes, 1), cpu_ms: round(quantile(cpu, 0.5), 1) };
  });
}

async function main(): Promise<void> {
  const load = [loadavg()];
  const results: Row[] = [];
  let body10k: Buffer | undefined;
  for (const n of sizes) {
    for (const impl of impls) results.push(...(await measure(impl, n, (b) => void (impl === 'loopgate' && n === 10_000 && (body10k = b)))));
  }
  load.push(loadavg());
  const row = (impl: Impl, n: number, encoding: Encoding = 'identity'): Row => results.find((r) => r.impl === impl && r.signals === n && r.encoding === encoding)!;
  const ratios: Record<string, number> = {};
  for (const n of sizes) {
    ratios[`loopgate_vs_prom_client_${n}`] = round((row('loopgate', n).median_ms as number) / (row('prom-client', n).median_ms as number));
    ratios[`loopgate_vs_otel_serializer_${n}`] = round((row('loopgate', n).median_ms as number) / (row('otel-serializer', n).median_ms as number));
    ratios[`loopgate_gzip_vs_prom_client_gzip_${n}`] = round((row('loopgate', n, 'gzip').median_ms as number) / (row('prom-client', n, 'gzip').median_ms as number));
    ratios[`loopgate_cpu_vs_prom_client_cpu_${n}`] = round((row('loopgate', n).daemon_cpu_ms as number) / (row('prom-client', n).daemon_cpu_ms as number));
  }
  const cpu = cpus();
  const loadavg1 = load.map((l) => round(l[0]!));
  console.log(JSON.stringify({ bench: 'scrape', node: process.version, cpu: cpu[0]?.model, cores: cpu.length, loadavg1_start_end: loadavg1, series_per_signal: 4, results, ratios, gzip_levels_10k: body10k ? gzipLevels(body10k) : [] }));
}

if (process.argv[2] === 'daemon') await daemon(process.argv[3] as Impl, Number(process.argv[4]));
else await main();
