/**
 * Scrape cost of /metrics at 1k, 10k and 50k signals, side by side in one run: loopgate's
 * telemetry with its own serializer (otel-fast, the default), with the stock OpenTelemetry
 * PrometheusSerializer (otel-stock), and prom-client serving the same series. Each server is a
 * child process (scrape-server.ts) so RSS is per daemon. Per case: median and p99 latency of a
 * full scrape over loopback HTTP, body bytes, series, RSS after the scrapes.
 * Prints one JSON line. Run: npm run bench -- scrape
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { cpus } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const server = fileURLToPath(new URL('./scrape-server.ts', import.meta.url));
const impls = ['otel-fast', 'otel-stock', 'prom-client'] as const;
const sizes = [1000, 10_000, 50_000];
const rounds = (n: number): number => (n >= 50_000 ? 15 : n >= 10_000 ? 40 : 100);

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))]!;
};
const round2 = (x: number): number => Math.round(x * 100) / 100;

async function scrape(port: number): Promise<{ ms: number; body: string }> {
  const t0 = performance.now();
  const req = request({ host: '127.0.0.1', port, path: '/metrics', agent: false });
  req.end();
  const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  const ms = performance.now() - t0;
  if (res.statusCode !== 200) throw new Error(`scrape answered ${res.statusCode}`);
  return { ms, body: Buffer.concat(chunks).toString('utf8') };
}

async function measure(impl: string, n: number): Promise<Record<string, number | string>> {
  const child = spawn(process.execPath, [server, impl, String(n)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (c) => reject(new Error(`${impl} ${n} exited ${c}`)));
    });
    const { port } = JSON.parse(line) as { port: number };
    const rssIdleMb = rssMb(child.pid!);
    for (let i = 0; i < 3; i++) await scrape(port); // warm-up (JIT, first collection)
    const times: number[] = [];
    let body = '';
    for (let i = 0; i < rounds(n); i++) ({ ms: times[i], body } = await scrape(port).then((r) => ({ ms: r.ms, body: r.body })));
    const series = body.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
    return { impl, signals: n, series, median_ms: round2(quantile(times, 0.5)), p99_ms: round2(quantile(times, 0.99)), bytes: Buffer.byteLength(body), rss_idle_mb: rssIdleMb, rss_mb: rssMb(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
  }
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

const results: Array<Record<string, number | string>> = [];
for (const n of sizes) for (const impl of impls) results.push(await measure(impl, n));
const at = (impl: string, n: number): Record<string, number | string> => results.find((r) => r['impl'] === impl && r['signals'] === n)!;
const ratios = Object.fromEntries(sizes.map((n) => [`${n}`, { fast_vs_prom_client: round2(Number(at('otel-fast', n)['median_ms']) / Number(at('prom-client', n)['median_ms'])), stock_vs_prom_client: round2(Number(at('otel-stock', n)['median_ms']) / Number(at('prom-client', n)['median_ms'])) }]));
console.log(JSON.stringify({ bench: 'scrape', results, median_ratio: ratios, machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version } }));
