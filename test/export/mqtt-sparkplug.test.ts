/** Sparkplug B against a real broker, payloads decoded with proto/sparkplug_b/sparkplug_b.proto. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { MqttPublisher } from '../../src/export/mqtt-publisher.ts';
import { startBroker, startProxy, subscriber, tempDir, testConfig, testRuntime, type Received } from './mqtt-peers.ts';

const Payload = protobuf.loadSync(fileURLToPath(new URL('../../proto/sparkplug_b/sparkplug_b.proto', import.meta.url))).lookupType('org.eclipse.tahu.protobuf.Payload');

interface Metric {
  name: string;
  timestamp: number;
  datatype: number;
  doubleValue?: number;
  longValue?: number;
  booleanValue?: boolean;
  isHistorical?: boolean;
  properties?: { keys: string[]; values: { type: number; intValue?: number; longValue?: number; stringValue?: string }[] };
}
interface Decoded {
  timestamp: number;
  seq?: number;
  metrics: Metric[];
}

function decode(m: Received): Decoded {
  return Payload.toObject(Payload.decode(m.payload), { longs: Number, defaults: false }) as Decoded;
}
const prop = (m: Metric, key: string): unknown => {
  const i = m.properties?.keys.indexOf(key) ?? -1;
  const v = i >= 0 ? m.properties!.values[i]! : undefined;
  return v?.intValue ?? v?.longValue ?? v?.stringValue;
};

test('Sparkplug B: NBIRTH/DBIRTH/DDATA with bdSeq and seq; replay after an outage is historical; NDEATH on stop', async (t) => {
  const broker = await startBroker(t);
  const proxy = await startProxy(t, broker.port);
  const cfg = testConfig({ url: `mqtt://127.0.0.1:${proxy.port}`, spool_dir: tempDir(t), format: 'sparkplug' }, { loop: true });
  const rt = testRuntime(cfg);
  rt.store.values('plc-1', Date.now(), [['s0', 20], ['s1', 1000], ['loop0', 13824]]);
  const sub = await subscriber(t, broker.port, ['spBv1.0/#']);
  const pub = new MqttPublisher(rt, { backoff: { initialMs: 50, maxMs: 200 } });
  t.after(() => pub.stop());
  await pub.start();
  const ns = 'spBv1.0/plant-7';
  await sub.waitFor((m) => m.some((x) => x.topic === `${ns}/DBIRTH/edge-t/plc-1`), 'DBIRTH');
  const nbirth = decode(sub.messages.find((x) => x.topic === `${ns}/NBIRTH/edge-t`)!);
  assert.equal(nbirth.seq, 0);
  const bdSeq = nbirth.metrics.find((m) => m.name === 'bdSeq')!;
  assert.equal(bdSeq.datatype, 4);
  assert.equal(bdSeq.longValue, 0);
  assert.equal(nbirth.metrics.find((m) => m.name === 'Node Control/Rebirth')?.booleanValue, false);
  const dbirth = decode(sub.messages.find((x) => x.topic === `${ns}/DBIRTH/edge-t/plc-1`)!);
  assert.equal(dbirth.seq, 1);
  assert.deepEqual(dbirth.metrics.map((m) => m.name), ['s0', 's1', 'loop0', 'loop0/loop_ma']);
  const s0 = dbirth.metrics[0]!;
  assert.equal(s0.datatype, 10);
  assert.equal(s0.doubleValue, 20);
  assert.equal(prop(s0, 'engUnit'), 'Cel');
  assert.equal(prop(s0, 'Quality'), 192);
  assert.equal(dbirth.metrics[3]!.doubleValue, 12);

  rt.store.values('plc-1', Date.now(), [['s0', 21.25]]);
  await sub.waitFor((m) => m.some((x) => x.topic === `${ns}/DDATA/edge-t/plc-1`), 'DDATA');
  const ddata = decode(sub.messages.find((x) => x.topic === `${ns}/DDATA/edge-t/plc-1`)!);
  assert.equal(ddata.seq, 2);
  assert.equal(ddata.metrics[0]!.name, 's0');
  assert.equal(ddata.metrics[0]!.doubleValue, 21.25);
  assert.equal(ddata.metrics[0]!.isHistorical, undefined);
  assert.equal(prop(ddata.metrics[0]!, 'seq'), 2);

  // Outage: data made meanwhile is replayed after the new session's births, marked historical.
  await broker.kill();
  const end = Date.now() + 10_000;
  while (pub.connected() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  for (const v of [22, 23, 24]) rt.store.values('plc-1', Date.now(), [['s0', v]]);
  proxy.open = false;
  await broker.start();
  const sub2 = await subscriber(t, broker.port, ['spBv1.0/#']);
  proxy.open = true;
  await sub2.waitFor((m) => m.filter((x) => x.topic.includes('/DDATA/')).length === 3, 'replayed DDATA');
  const topics = sub2.messages.map((x) => x.topic.split('/')[2]);
  assert.deepEqual(topics, ['NBIRTH', 'DBIRTH', 'DDATA', 'DDATA', 'DDATA']);
  const decoded = sub2.messages.map(decode);
  assert.deepEqual(decoded.map((d) => d.seq), [0, 1, 2, 3, 4]);
  // bdSeq goes up with every CONNECT attempt (attempts while the broker was down count too).
  const bdSeq2 = decoded[0]!.metrics.find((m) => m.name === 'bdSeq')!.longValue!;
  assert.ok(bdSeq2 >= 1, `a new session, a new bdSeq (${bdSeq2})`);
  assert.deepEqual(decoded.slice(2).map((d) => [d.metrics[0]!.doubleValue, d.metrics[0]!.isHistorical]), [[22, true], [23, true], [24, true]]);

  await pub.stop();
  await sub2.waitFor((m) => m.some((x) => x.topic === `${ns}/NDEATH/edge-t`), 'NDEATH');
  const death = decode(sub2.messages.find((x) => x.topic === `${ns}/NDEATH/edge-t`)!);
  assert.equal(death.metrics.find((m) => m.name === 'bdSeq')!.longValue, bdSeq2, 'NDEATH pairs with the NBIRTH of its session');
});
