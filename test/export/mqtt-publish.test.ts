/** JSON topics against a real broker: payloads, status birth, zones, decisions, deadband. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MqttPublisher } from '../../src/export/mqtt-publisher.ts';
import { SignalFilter } from '../../src/export/mqtt-signal-filter.ts';
import { createMqttPublisher } from '../../src/export/mqtt-components.ts';
import { startBroker, subscriber, tempDir, testConfig, testRuntime } from './mqtt-peers.ts';

test('no mqtt block: no MQTT component', () => {
  const cfg = testConfig({ url: 'mqtt://127.0.0.1:1' });
  const { mqtt: _drop, ...rest } = cfg;
  assert.equal(createMqttPublisher(testRuntime({ ...rest } as typeof cfg)), undefined);
});

test('signals, zones, decisions and the online status arrive as JSON', async (t) => {
  const broker = await startBroker(t);
  const sub = await subscriber(t, broker.port, ['loopgate/#']);
  const cfg = testConfig({ url: `mqtt://127.0.0.1:${broker.port}`, spool_dir: tempDir(t) }, { loop: true });
  const rt = testRuntime(cfg);
  const pub = new MqttPublisher(rt, { tickMs: 50 });
  t.after(() => pub.stop());
  await pub.start();
  const prefix = 'loopgate/plant-7/edge-t';
  assert.equal(pub.prefix, prefix);
  await sub.waitFor((m) => m.some((x) => x.topic === `${prefix}/status` && x.payload.toString() === 'online'), 'status online');

  const ts = Date.now();
  rt.store.values('plc-1', ts, [['s0', 21.5], ['s1', 5000], ['loop0', 13824]]);
  pub.publishDecision({ decision_id: 'd-1', verdict: 'HOLD', zone: 'hall-a' });
  await sub.waitFor((m) => ['s0', 's1', 'loop0'].every((id) => m.some((x) => x.topic === `${prefix}/signals/${id}`)), 'three signals');
  await sub.waitFor((m) => m.some((x) => x.topic === `${prefix}/zones/hall-a`), 'zone status');
  await sub.waitFor((m) => m.some((x) => x.topic === `${prefix}/gate/decisions`), 'decision');

  const body = (topic: string): Record<string, unknown> => JSON.parse(sub.messages.find((x) => x.topic === topic)!.payload.toString()) as Record<string, unknown>;
  assert.deepEqual(body(`${prefix}/signals/s0`), { signal: 's0', device: 'plc-1', kind: 'temperature', value: 21.5, unit: 'Cel', quality: 'good', reason: '', ts, seq: 1 });
  const loop = body(`${prefix}/signals/loop0`);
  assert.equal(loop['value'], 50);
  assert.equal(loop['loop_ma'], 12);
  assert.equal(loop['seq'], 1);
  const zone = body(`${prefix}/zones/hall-a`);
  assert.equal(zone['zone'], 'hall-a');
  assert.equal(zone['power'], 5000);
  assert.deepEqual(body(`${prefix}/gate/decisions`), { decision_id: 'd-1', verdict: 'HOLD', zone: 'hall-a' });

  // A failed read goes out too (quality uncertain, same value, next seq).
  rt.store.failure('plc-1', Date.now(), ['s0'], { kind: 'timeout', message: 'no reply in 1000 ms' });
  await sub.waitFor((m) => m.filter((x) => x.topic === `${prefix}/signals/s0`).length === 2, 'the failure sample');
  const fail = JSON.parse(sub.messages.filter((x) => x.topic === `${prefix}/signals/s0`)[1]!.payload.toString()) as Record<string, unknown>;
  assert.equal(fail['quality'], 'uncertain');
  assert.equal(fail['seq'], 2);
  assert.match(String(fail['reason']), /timeout/);

  await pub.stop();
  await sub.waitFor((m) => m.at(-1)?.topic === `${prefix}/status` && m.at(-1)!.payload.toString() === 'offline', 'offline on clean stop');
  assert.equal(pub.depth(), 0);
});

test('deadband: small moves stay home, a move past the band goes out', async (t) => {
  const broker = await startBroker(t);
  const sub = await subscriber(t, broker.port, ['loopgate/+/+/signals/#']);
  const cfg = testConfig({ url: `mqtt://127.0.0.1:${broker.port}`, spool_dir: tempDir(t) }, { signals: 1, deadband: 0.5 });
  const rt = testRuntime(cfg);
  const pub = new MqttPublisher(rt);
  t.after(() => pub.stop());
  await pub.start();
  for (const v of [20, 20.2, 20.4, 20.6, 20.7, 21.2, 21.2]) rt.store.values('plc-1', Date.now(), [['s0', v]]);
  await sub.waitFor((m) => m.length === 3, 'three publishes');
  // A marker after the samples: once it arrives, nothing else from the samples is still on its way.
  rt.store.failure('plc-1', Date.now(), ['s0'], { kind: 'timeout', message: 'marker' });
  await sub.waitFor((m) => m.length === 4, 'the marker');
  const values = sub.messages.map((m) => (JSON.parse(m.payload.toString()) as { value: number; seq: number }).value);
  assert.deepEqual(values, [20, 20.6, 21.2, 21.2]);
});

test('every_sample: every reading goes out, repeated values included', async (t) => {
  const broker = await startBroker(t);
  const sub = await subscriber(t, broker.port, ['loopgate/+/+/signals/#']);
  const cfg = testConfig({ url: `mqtt://127.0.0.1:${broker.port}`, spool_dir: tempDir(t), publish: 'every_sample' }, { signals: 1 });
  const rt = testRuntime(cfg);
  const pub = new MqttPublisher(rt);
  t.after(() => pub.stop());
  await pub.start();
  const ts = Date.now();
  for (let i = 0; i < 5; i++) rt.store.values('plc-1', ts, [['s0', 20]]);
  await sub.waitFor((m) => m.length === 5, 'five publishes of one unchanged value');
  const seqs = sub.messages.map((m) => (JSON.parse(m.payload.toString()) as { seq: number }).seq);
  assert.deepEqual(seqs, [1, 2, 3, 4, 5]);
});

test('on_change (the default): the same value inside max_interval_ms stays home', async (t) => {
  const broker = await startBroker(t);
  const sub = await subscriber(t, broker.port, ['loopgate/+/+/signals/#']);
  const cfg = testConfig({ url: `mqtt://127.0.0.1:${broker.port}`, spool_dir: tempDir(t) }, { signals: 1 });
  assert.equal(cfg.mqtt?.publish, 'on_change');
  const rt = testRuntime(cfg);
  const pub = new MqttPublisher(rt);
  t.after(() => pub.stop());
  await pub.start();
  const ts = Date.now();
  for (let i = 0; i < 5; i++) rt.store.values('plc-1', ts, [['s0', 20]]);
  rt.store.failure('plc-1', Date.now(), ['s0'], { kind: 'timeout', message: 'marker' });
  await sub.waitFor((m) => m.length === 2, 'first sample and the marker');
  const seqs = sub.messages.map((m) => (JSON.parse(m.payload.toString()) as { seq: number }).seq);
  assert.deepEqual(seqs, [1, 6]);
});

test('the heartbeat and a new reading in the same millisecond: every_sample still sends the reading', () => {
  const sample = (seq: number) => ({ signalId: 's0', deviceId: 'plc-1', kind: 'temperature', unit: 'Cel', value: 20, quality: 'good', reason: '', ts: 1000, lastValueTs: 1000, seq }) as const;
  for (const [mode, expected] of [['every_sample', true], ['on_change', false]] as const) {
    const f = new SignalFilter(new Map(), 1, mode);
    assert.equal(f.offer(sample(1), 1000), true);
    assert.deepEqual(f.due(1001, ['s0']), ['s0']);
    assert.equal(f.offer(sample(1), 1001), true, 'the heartbeat republishes the latest sample');
    assert.equal(f.offer(sample(2), 1001), expected, `${mode}: seq 2 with the same value in the heartbeat's millisecond`);
  }
});
