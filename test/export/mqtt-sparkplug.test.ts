/**
 * Sparkplug B against a real broker, payloads decoded with proto/sparkplug_b/sparkplug_b.proto:
 * births, DDATA, bdSeq/seq across an outage, NDEATH; a host's Rebirth NCMD; NCMD/DCMD writes
 * ignored with the field polled by reads only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import protobuf from 'protobufjs';
import { parseConfig } from '../../src/config/load.ts';
import { MqttPublisher } from '../../src/export/mqtt-publisher.ts';
import { encodeValue } from '../../src/field/decode.ts';
import { createFieldComponents } from '../../src/field/field-components.ts';
import { createLogger } from '../../src/log.ts';
import { startTcpSlave } from '../../src/sim/tcp-slave.ts';
import { imageSource, type Image } from '../helpers/field-fixture.ts';
import { capture, startBroker, startProxy, subscriber, tempDir, testConfig, testRuntime, until, type Received } from './mqtt-peers.ts';

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

/** A host's command payload: what Ignition or any Tahu host publishes on NCMD/DCMD. */
function command(metrics: Record<string, unknown>[]): Buffer {
  return Buffer.from(Payload.encode(Payload.fromObject({ timestamp: Date.now(), metrics })).finish());
}
const REBIRTH = { name: 'Node Control/Rebirth', datatype: 11, booleanValue: true };

/** Two devices, two float32 signals each, on a Modbus/TCP bus at `port`. */
function twoDeviceConfig(mqtt: Record<string, unknown>, port = 1502, pollMs = 1000): ReturnType<typeof parseConfig> {
  const device = (id: string, base: number): Record<string, unknown> => ({
    id,
    bus: 'b1',
    unit: 1,
    poll_ms: pollMs,
    signals: [
      { id: `${id}_t`, kind: 'temperature', table: 'holding', address: base, type: 'float32', unit: 'Cel' },
      { id: `${id}_p`, kind: 'power', table: 'holding', address: base + 2, type: 'float32', unit: 'W' },
    ],
  });
  const doc = {
    site: 'plant-7',
    gateway_id: 'edge-t',
    log: { level: 'silent' },
    buses: [{ id: 'b1', transport: 'tcp', host: '127.0.0.1', port }],
    devices: [device('plc-1', 0), device('plc-2', 10)],
    mqtt: { max_interval_ms: 3_600_000, format: 'sparkplug', ...mqtt },
  };
  return parseConfig(JSON.stringify(doc), 'test.yaml');
}

test('Sparkplug Rebirth NCMD: NBIRTH (same bdSeq, seq 0) and every DBIRTH again, then DDATA continues the new sequence', async (t) => {
  const broker = await startBroker(t);
  const cfg = twoDeviceConfig({ url: `mqtt://127.0.0.1:${broker.port}`, spool_dir: tempDir(t) });
  const rt = testRuntime(cfg);
  rt.store.values('plc-1', Date.now(), [['plc-1_t', 20], ['plc-1_p', 1000]]);
  rt.store.values('plc-2', Date.now(), [['plc-2_t', 30], ['plc-2_p', 2000]]);
  const host = await subscriber(t, broker.port, ['spBv1.0/plant-7/+/edge-t/#', 'spBv1.0/plant-7/+/edge-t']);
  const pub = new MqttPublisher(rt, { backoff: { initialMs: 50, maxMs: 200 } });
  t.after(() => pub.stop());
  await pub.start();
  const ns = 'spBv1.0/plant-7';
  const kinds = (): string[] => host.messages.filter((x) => !x.topic.includes('CMD')).map((x) => x.topic.split('/')[2]!);
  await host.waitFor(() => kinds().filter((k) => k === 'DBIRTH').length === 2, 'two DBIRTHs');
  rt.store.values('plc-1', Date.now(), [['plc-1_t', 21.5]]);
  await host.waitFor(() => kinds().includes('DDATA'), 'DDATA');
  const firstBirth = decode(host.messages.find((x) => x.topic === `${ns}/NBIRTH/edge-t`)!);

  await host.client.publishAsync(`${ns}/NCMD/edge-t`, command([REBIRTH]), { qos: 0 });
  await host.waitFor(() => kinds().filter((k) => k === 'DBIRTH').length === 4, 'the births again');
  rt.store.values('plc-2', Date.now(), [['plc-2_p', 2500]]);
  await host.waitFor(() => kinds().filter((k) => k === 'DDATA').length === 2, 'DDATA after the rebirth');

  const mine = host.messages.filter((x) => !x.topic.includes('CMD'));
  assert.deepEqual(mine.map((x) => x.topic.split('/').slice(2).join('/')), ['NBIRTH/edge-t', 'DBIRTH/edge-t/plc-1', 'DBIRTH/edge-t/plc-2', 'DDATA/edge-t/plc-1', 'NBIRTH/edge-t', 'DBIRTH/edge-t/plc-1', 'DBIRTH/edge-t/plc-2', 'DDATA/edge-t/plc-2']);
  const d = mine.map(decode);
  assert.deepEqual(d.map((x) => x.seq), [0, 1, 2, 3, 0, 1, 2, 3], 'seq restarts at 0 with the new NBIRTH');
  const bdSeq = (x: Decoded): number | undefined => x.metrics.find((m) => m.name === 'bdSeq')?.longValue;
  assert.equal(bdSeq(d[4]!), bdSeq(firstBirth), 'same connection, same bdSeq (it pairs with the will of this CONNECT)');
  assert.equal(d[4]!.metrics.find((m) => m.name === 'Node Control/Rebirth')?.booleanValue, false);
  // The new DBIRTH carries the current values, including the change made before the request.
  assert.deepEqual(d[5]!.metrics.map((m) => [m.name, m.doubleValue]), [['plc-1_t', 21.5], ['plc-1_p', 1000]]);
  assert.deepEqual(d[6]!.metrics.map((m) => [m.name, m.doubleValue]), [['plc-2_t', 30], ['plc-2_p', 2000]]);
  assert.equal(pub.rebirths, 1);
  assert.equal(pub.ignoredCommands, 0);
});

class TestReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

test('Sparkplug NCMD/DCMD writes are ignored: logged once, counted, no birth, and the PLC only ever sees reads', async (t) => {
  const broker = await startBroker(t);
  // A Modbus/TCP slave that records every function code it is sent.
  const image: Image = { coil: new Map(), discrete: new Map(), holding: new Map(), input: new Map() };
  const put = (addr: number, v: number): void => encodeValue(v, { table: 'holding', type: 'float32', word_order: 'big', byte_order: 'big' }).forEach((r, i) => image.holding.set(addr + i, r));
  put(0, 21.5);
  put(2, 1000);
  put(10, 30);
  put(12, 2000);
  const slave = await startTcpSlave(imageSource(new Map([[1, image]])));
  t.after(() => slave.close());
  const cfg = twoDeviceConfig({ url: `mqtt://127.0.0.1:${broker.port}`, spool_dir: tempDir(t) }, slave.port, 50);
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  t.after(() => provider.shutdown());
  const out = capture();
  const rt = { ...testRuntime(cfg), log: createLogger({ level: 'info', destination: out.stream }), meter: provider.getMeter('loopgate') };
  const host = await subscriber(t, broker.port, ['spBv1.0/plant-7/+/edge-t/#', 'spBv1.0/plant-7/+/edge-t']);
  const pub = new MqttPublisher(rt, { backoff: { initialMs: 50, maxMs: 200 } });
  const field = createFieldComponents(rt);
  t.after(async () => {
    for (const c of field) await c.stop();
    await pub.stop();
  });
  await pub.start();
  for (const c of field) await c.start();
  const ns = 'spBv1.0/plant-7';
  await until(() => rt.store.snapshot().signals.get('plc-1_t')?.value === 21.5, 'the first poll');
  await host.waitFor((m) => m.some((x) => x.topic === `${ns}/NBIRTH/edge-t`), 'NBIRTH');

  // A host tries to write: a device metric over DCMD, a node metric over NCMD, and junk on NCMD.
  await host.client.publishAsync(`${ns}/DCMD/edge-t/plc-1`, command([{ name: 'plc-1_t', datatype: 10, doubleValue: 99 }]), { qos: 0 });
  await host.client.publishAsync(`${ns}/NCMD/edge-t`, command([{ name: 'plc-1_p', datatype: 10, doubleValue: 0 }, { name: 'Node Control/Rebirth', datatype: 11, booleanValue: false }]), { qos: 0 });
  await host.client.publishAsync(`${ns}/NCMD/edge-t`, Buffer.from('not protobuf \xff\xff\xff'), { qos: 0 });
  await until(() => pub.ignoredCommands === 3, 'three commands ignored');
  // Polling goes on after the commands: wait for more reads, then look at what the PLC was sent.
  const readsBefore = slave.functionCodes.get(3) ?? 0;
  await until(() => (slave.functionCodes.get(3) ?? 0) >= readsBefore + 4, 'polls after the commands');
  assert.deepEqual([...slave.functionCodes.keys()], [3], 'only Read Holding Registers ever reached the PLC');
  assert.equal(rt.store.snapshot().signals.get('plc-1_t')?.value, 21.5);
  assert.equal(rt.store.snapshot().signals.get('plc-1_p')?.value, 1000);
  assert.equal(pub.rebirths, 0);
  assert.equal(host.messages.filter((x) => x.topic === `${ns}/NBIRTH/edge-t`).length, 1, 'no birth for a command that is not Rebirth = true');
  const warned = out.lines().filter((l) => l['msg'] === 'MQTT: Sparkplug command ignored (loopgate never writes to the field); further ones are only counted (loopgate.mqtt.commands.ignored)');
  assert.equal(warned.length, 1);
  assert.equal(warned[0]!['topic'], `${ns}/DCMD/edge-t/plc-1`);
  const { resourceMetrics } = await reader.collect();
  const ignored = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === 'loopgate.mqtt.commands.ignored');
  assert.equal(ignored?.dataPoints.reduce((n, p) => n + (p.value as number), 0), 3);
});
