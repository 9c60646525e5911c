/**
 * MQTT benchmark. (1) Live: the publisher (this process: store + publisher, the daemon's MQTT path)
 * at 10k messages/s against a real mosquitto for MQTT_BENCH_SECONDS (default 10; 60 with
 * MQTT_BENCH_FULL=1): this process's CPU and RSS beside mosquitto's CPU, delivered count. (2) The
 * spool alone: append + flush, then read + ack (messages/s, MB/s). (3) Replay over the wire: N
 * messages spooled while the broker is down, then the time to drain them into mosquitto.
 * MQTT_BENCH_TRANSPORT (mqtt, the default; mqtts, ws or wss) picks how the publisher reaches
 * mosquitto: TLS with a server certificate from the test PKI (verified with mqtt.tls.ca) and/or
 * mosquitto's websockets listener; the counting subscriber stays on plain MQTT. Run it once per
 * transport for side-by-side CPU ratios. One JSON line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { metrics } from '@opentelemetry/api';
import { parseConfig } from '../../src/config/load.ts';
import { MqttPublisher } from '../../src/export/mqtt-publisher.ts';
import { Spool } from '../../src/export/mqtt-spool.ts';
import { createLogger } from '../../src/log.ts';
import { Readiness } from '../../src/readiness.ts';
import type { Runtime } from '../../src/runtime.ts';
import { SignalStore } from '../../src/signals/store.ts';
import { freePort, waitForPort } from '../helpers/net.ts';
import { certDate, TestPki } from '../helpers/test-pki.ts';

const MOSQUITTO = '/usr/sbin/mosquitto';
const SECONDS = Number(process.env['MQTT_BENCH_SECONDS'] ?? (process.env['MQTT_BENCH_FULL'] === '1' ? 60 : 10));
const RATE = 10_000;
const SIGNALS = 100;
const SPOOL_N = Number(process.env['MQTT_BENCH_SPOOL'] ?? 100_000);
const TRANSPORT = process.env['MQTT_BENCH_TRANSPORT'] ?? 'mqtt';
const SECURE = TRANSPORT === 'mqtts' || TRANSPORT === 'wss';
if (!['mqtt', 'mqtts', 'ws', 'wss'].includes(TRANSPORT)) throw new Error(`MQTT_BENCH_TRANSPORT: mqtt, mqtts, ws or wss, not ${TRANSPORT}`);
const log = createLogger({ level: 'silent' });
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const procCpuMs = (pid: number): number => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
};

if (!existsSync(MOSQUITTO)) {
  console.log(JSON.stringify({ bench: 'mqtt', skipped: `${MOSQUITTO} not installed` }));
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'loopgate-mqtt-bench-'));
const children: ChildProcess[] = [];
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const port = await freePort();
// The publisher's own listener; the same as the subscriber's for plain MQTT.
const pubPort = TRANSPORT === 'mqtt' ? port : await freePort();
const pki = new TestPki(dir);
let pubListener = '';
if (TRANSPORT !== 'mqtt') {
  pki.ca('ca');
  pki.issue('server', 'localhost', 'ca', 'server', certDate(-1), certDate(1));
  const tls = SECURE ? `certfile ${pki.f('server.crt')}\nkeyfile ${pki.f('server.key')}\n` : '';
  pubListener = `listener ${pubPort} 127.0.0.1\n${TRANSPORT.startsWith('ws') ? 'protocol websockets\n' : ''}${tls}`;
}
const pubUrl = `${TRANSPORT}://127.0.0.1:${pubPort}`;
const pubTls = SECURE ? { tls: { ca: pki.f('ca.crt') } } : {};
// Run as root, mosquitto would switch to the user "mosquitto", who cannot read the temp dir.
writeFileSync(join(dir, 'm.conf'), `user ${userInfo().username}\nlistener ${port} 127.0.0.1\n${pubListener}allow_anonymous true\npersistence false\nmax_queued_messages 0\nlog_dest stderr\nlog_type error\n`);
let mosq: ChildProcess;
async function startMosquitto(): Promise<void> {
  mosq = spawn(MOSQUITTO, ['-c', join(dir, 'm.conf')], { stdio: 'ignore' });
  children.push(mosq);
  await waitForPort(port);
  await waitForPort(pubPort);
}
await startMosquitto();

function runtime(spoolDir: string): Runtime {
  const signals = Array.from({ length: SIGNALS }, (_, i) => ({ id: `s${i}`, table: 'holding', address: i * 2, type: 'float32', unit: 'W', kind: 'power' }));
  const config = parseConfig(
    JSON.stringify({
      site: 'bench',
      gateway_id: 'edge-bench',
      log: { level: 'silent' },
      buses: [{ id: 'b1', transport: 'tcp', host: '127.0.0.1' }],
      devices: [{ id: 'plc-1', bus: 'b1', unit: 1, poll_ms: 10, signals }],
      mqtt: { url: pubUrl, spool_dir: spoolDir, max_interval_ms: 3_600_000, ...pubTls },
    }),
    'bench.yaml',
  );
  return { config, log, store: new SignalStore(config), meter: metrics.getMeterProvider().getMeter('bench'), readiness: new Readiness(), clock: Date.now };
}

// (1) Live.
const sub = spawn(process.execPath, [fileURLToPath(new URL('./mqtt-bench-sub.ts', import.meta.url)), String(port), 'loopgate/#'], { stdio: ['ignore', 'pipe', 'inherit'] });
children.push(sub);
let subCount = 0;
let subReady = false;
sub.stdout!.setEncoding('utf8').on('data', (d: string) => {
  for (const line of d.split('\n')) {
    if (line === 'subscribed') subReady = true;
    else if (line.startsWith('{')) subCount = (JSON.parse(line) as { count: number }).count;
  }
});
while (!subReady) await sleep(10);

const rt = runtime(join(dir, 'live'));
const pub = new MqttPublisher(rt, { backoff: { initialMs: 100, maxMs: 500 } });
await pub.start();
while (!pub.connected()) await sleep(10);
const ids = rt.store.signalIds();
let fed = 0;
let value = 0;
const t0 = Date.now();
const cpu0 = process.cpuUsage();
const mosqCpu0 = procCpuMs(mosq!.pid!);
const perSec: { cpuPct: number; mosqPct: number; rssMb: number; delivered: number; depth: number }[] = [];
let lastCpu = process.cpuUsage();
let lastMosq = mosqCpu0;
let lastSub = subCount;
let lastTick = t0;
const feeder = setInterval(() => {
  const due = Math.floor(((Date.now() - t0) * RATE) / 1000) - fed;
  const rounds = Math.floor(due / SIGNALS);
  for (let r = 0; r < rounds; r++) {
    value++;
    rt.store.values('plc-1', Date.now(), ids.map((id, i) => [id, value + i] as const));
    fed += SIGNALS;
  }
}, 5);
const sampler = setInterval(() => {
  const now = Date.now();
  const c = process.cpuUsage(lastCpu);
  const m = procCpuMs(mosq.pid!);
  perSec.push({ cpuPct: ((c.user + c.system) / 1000 / (now - lastTick)) * 100, mosqPct: ((m - lastMosq) / (now - lastTick)) * 100, rssMb: process.memoryUsage().rss / 1e6, delivered: ((subCount - lastSub) * 1000) / (now - lastTick), depth: pub.depth() });
  lastCpu = process.cpuUsage();
  lastMosq = m;
  lastSub = subCount;
  lastTick = now;
}, 1000);
await sleep(SECONDS * 1000);
clearInterval(feeder);
const feedSeconds = (Date.now() - t0) / 1000;
const drainStart = Date.now();
while (pub.depth() > 0 && Date.now() - drainStart < 60_000) await sleep(20);
clearInterval(sampler);
const cpuAll = process.cpuUsage(cpu0);
const liveWall = (Date.now() - t0) / 1000;
const mosqAll = procCpuMs(mosq!.pid!) - mosqCpu0;
const mosqMeanPct = (mosqAll / (liveWall * 1000)) * 100;
await sleep(600);
const steady = perSec.slice(1);
const live = {
  seconds: round(feedSeconds),
  offered_msgs: fed,
  offered_rate: round(fed / feedSeconds, 0),
  delivered_msgs: subCount,
  drain_after_feed_s: round((Date.now() - 600 - drainStart) / 1000, 2),
  daemon_cpu_pct_median: round(median(steady.map((s) => s.cpuPct))),
  daemon_cpu_pct_mean: round(((cpuAll.user + cpuAll.system) / 1000 / (liveWall * 1000)) * 100),
  mosquitto_cpu_pct_median: round(median(steady.map((s) => s.mosqPct))),
  mosquitto_cpu_pct_mean: round(mosqMeanPct),
  daemon_to_mosquitto_cpu_ratio: round(median(steady.map((s) => s.cpuPct)) / Math.max(0.1, median(steady.map((s) => s.mosqPct))), 2),
  daemon_rss_mb_median: round(median(steady.map((s) => s.rssMb))),
  daemon_rss_mb_max: round(Math.max(...steady.map((s) => s.rssMb))),
  delivered_rate_median: round(median(steady.map((s) => s.delivered)), 0),
  spool_depth_max: Math.max(...perSec.map((s) => s.depth)),
  dropped: pub.dropped(),
};
await pub.stop();
sub.kill('SIGTERM');

// (2) The spool alone.
const sp = await Spool.open({ dir: join(dir, 'raw'), maxBytes: 1 << 30, maxAgeMs: 3_600_000, log });
const payload = Buffer.from(JSON.stringify({ signal: 's42', device: 'plc-1', kind: 'power', value: 12345.678, unit: 'W', quality: 'good', reason: '', ts: Date.now(), seq: 123456 }));
let w0 = process.hrtime.bigint();
for (let i = 0; i < SPOOL_N; i++) {
  sp.append({ topic: 'loopgate/bench/edge-bench/signals/s42', payload, qos: 1, retain: false, sparkplugSeq: false, ts: Date.now() });
  if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
}
await sp.flush();
const writeS = Number(process.hrtime.bigint() - w0) / 1e9;
const bytes = sp.bytesWritten;
w0 = process.hrtime.bigint();
let readN = 0;
for (;;) {
  const got = await sp.read(1000);
  if (got.length === 0) break;
  for (const m of got) sp.ack(m.id);
  readN += got.length;
}
const readS = Number(process.hrtime.bigint() - w0) / 1e9;
await sp.close();
const spool = {
  messages: SPOOL_N,
  record_bytes: round(bytes / SPOOL_N, 0),
  write_msgs_per_s: round(SPOOL_N / writeS, 0),
  write_mb_per_s: round(bytes / 1e6 / writeS),
  read_ack_msgs_per_s: round(readN / readS, 0),
  read_mb_per_s: round(bytes / 1e6 / readS),
};

// (3) Replay over the wire after an outage.
mosq!.kill('SIGKILL');
await once(mosq!, 'exit');
const rt2 = runtime(join(dir, 'replay'));
const pub2 = new MqttPublisher(rt2, { backoff: { initialMs: 50, maxMs: 100 } });
await pub2.start();
const ids2 = rt2.store.signalIds();
for (let r = 0; r < SPOOL_N / SIGNALS; r++) {
  rt2.store.values('plc-1', Date.now(), ids2.map((id, i) => [id, r + i] as const));
  if (r % 10 === 9) await new Promise((res) => setImmediate(res));
}
while (pub2.depth() < SPOOL_N) await sleep(10);
await startMosquitto();
const r0 = Date.now();
while (!pub2.connected()) await sleep(5);
const c0 = Date.now();
while (pub2.depth() > 0) await sleep(5);
const replayS = (Date.now() - c0) / 1000;
await pub2.stop();
const replay = { messages: SPOOL_N, reconnect_ms: c0 - r0, replay_msgs_per_s: round(SPOOL_N / replayS, 0), replay_s: round(replayS, 2), dropped: pub2.dropped() };

console.log(
  JSON.stringify({
    bench: 'mqtt',
    transport: TRANSPORT,
    live,
    spool,
    replay,
    machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version, mosquitto: '2.0.11' },
  }),
);
process.exit(0);
