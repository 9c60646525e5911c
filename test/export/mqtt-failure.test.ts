/**
 * A broker that refuses us or cannot be reached: start() still resolves, a clear error is logged,
 * reconnects back off, readings keep flowing into the spool (depth and drops on the meter).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { createLogger } from '../../src/log.ts';
import { MqttPublisher } from '../../src/export/mqtt-publisher.ts';
import { capture, freePort, MOSQUITTO, tempDir, testConfig, testRuntime, until, waitForPort } from './mqtt-peers.ts';

class TestReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

test('refused credentials: clear error, backoff, readings spool, depth and drops on the meter', async (t) => {
  if (!existsSync(MOSQUITTO)) {
    if (process.env['CI'] === 'true') throw new Error(`${MOSQUITTO} is required under CI=true`);
    t.skip(`${MOSQUITTO} not installed`);
    return;
  }
  const dir = tempDir(t);
  const port = await freePort();
  writeFileSync(join(dir, 'm.conf'), `listener ${port} 127.0.0.1\nallow_anonymous false\npersistence false\nlog_dest stderr\nlog_type error\n`);
  const mosq = spawn(MOSQUITTO, ['-c', join(dir, 'm.conf')], { stdio: 'ignore' });
  t.after(() => mosq.kill('SIGKILL'));
  await waitForPort(port);

  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  t.after(() => provider.shutdown());
  const out = capture();
  const cfg = testConfig({ url: `mqtt://127.0.0.1:${port}`, spool_dir: join(dir, 'spool'), username: 'loopgate', password: 'wrong', spool_max_bytes: 8192 }, { signals: 1 });
  const rt = { ...testRuntime(cfg), log: createLogger({ level: 'info', destination: out.stream }), meter: provider.getMeter('loopgate') };
  const pub = new MqttPublisher(rt, { backoff: { initialMs: 20, maxMs: 50 } });
  t.after(() => pub.stop());
  await pub.start();
  await until(() => out.lines().filter((l) => l['msg'] === 'MQTT broker unreachable; retrying with backoff').length >= 1, 'the error line');
  const err = out.lines().find((l) => l['msg'] === 'MQTT broker unreachable; retrying with backoff')!;
  assert.match(String(err['reason']), /refused the credentials/);
  assert.equal(pub.connected(), false);

  for (let i = 0; i < 300; i++) {
    rt.store.values('plc-1', Date.now(), [['s0', i]]);
    if (i % 20 === 19) await new Promise((r) => setImmediate(r));
  }
  await until(() => pub.dropped() > 0 && pub.depth() + pub.dropped() === 300, 'spooled or counted');
  const { resourceMetrics } = await reader.collect();
  const points = new Map(resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).map((m) => [m.descriptor.name, m.dataPoints.reduce((n, p) => n + (p.value as number), 0)]));
  assert.equal(points.get('loopgate.mqtt.spool.depth'), pub.depth());
  assert.equal(points.get('loopgate.mqtt.spool.dropped'), pub.dropped());
  assert.ok(out.lines().some((l) => l['msg'] === 'MQTT spool past its bound: oldest messages dropped'));
});

test('unreachable broker: start resolves, retries with backoff, stop is prompt', async (t) => {
  const port = await freePort(); // nothing listens here
  const out = capture();
  const cfg = testConfig({ url: `mqtt://127.0.0.1:${port}`, spool_dir: tempDir(t) }, { signals: 1 });
  const rt = { ...testRuntime(cfg), log: createLogger({ level: 'info', destination: out.stream }) };
  const pub = new MqttPublisher(rt, { backoff: { initialMs: 20, maxMs: 40 } });
  await pub.start();
  await until(() => out.lines().filter((l) => l['msg'] === 'MQTT broker unreachable; retrying with backoff').length >= 1, 'an error line');
  const errs = out.lines().filter((l) => l['msg'] === 'MQTT broker unreachable; retrying with backoff');
  assert.match(String(errs[0]!['reason']), /ECONNREFUSED/);
  rt.store.values('plc-1', Date.now(), [['s0', 1]]);
  await until(() => pub.depth() === 1, 'the reading spooled');
  await pub.stop();
  assert.equal(pub.depth(), 1);
});

test('MQTT 5 against a 3.1.1-only broker (aedes): falls back and delivers', async (t) => {
  // aedes speaks 3.1.1 only, so it is the real peer for the fallback.
  const broker = await startAedesOnly(t);
  const out = capture();
  const cfg = testConfig({ url: `mqtt://127.0.0.1:${broker}`, spool_dir: tempDir(t), protocol_version: 5 }, { signals: 1 });
  const rt = { ...testRuntime(cfg), log: createLogger({ level: 'info', destination: out.stream }) };
  const pub = new MqttPublisher(rt, { backoff: { initialMs: 20, maxMs: 40 } });
  t.after(() => pub.stop());
  await pub.start();
  await until(() => pub.connected(), 'a connection');
  rt.store.values('plc-1', Date.now(), [['s0', 1]]);
  await until(() => pub.depth() === 0, 'delivered');
  const connected = out.lines().find((l) => l['msg'] === 'MQTT broker connected')!;
  assert.equal(connected['protocol_version'], 4);
});

async function startAedesOnly(t: import('node:test').TestContext): Promise<number> {
  const { Aedes } = (await import('aedes')) as unknown as { Aedes: { createBroker(): Promise<{ handle: (s: import('node:net').Socket) => void; close(cb: () => void): void }> } };
  const { createServer } = await import('node:net');
  const aedes = await Aedes.createBroker();
  const sockets = new Set<import('node:net').Socket>();
  const srv = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    aedes.handle(s);
  });
  srv.listen(0, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => srv.close(() => r()));
    await new Promise<void>((r) => aedes.close(() => r()));
  });
  return (srv.address() as { port: number }).port;
}

