/** The engine against a real Modbus/TCP peer: pymodbus (Debian), several unit ids, every type and order. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../src/log.ts';
import { DevicePoller } from '../../src/field/device-poller.ts';
import { FieldBus } from '../../src/field/field-bus.ts';
import { buildConfig, collectingSink, fixtureDevice, startPymodbus, type Image } from '../helpers/field-fixture.ts';
import { requireBinary } from '../helpers/peers.ts';
import { tempDir } from '../helpers/cli.ts';

const log = createLogger({ level: 'silent' });

test('Modbus/TCP against pymodbus: exact values for 2 units, reads only, peer stopped and back', async (t) => {
  if (!requireBinary(t, 'pymodbus')) return;
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const d1 = fixtureDevice('u1', 1);
  const d7 = fixtureDevice('u7', 7);
  const images = new Map<number, Image>([[1, d1.image], [7, d7.image]]);
  let peer = await startPymodbus(tmp.dir, images, {});
  t.after(() => peer.stop());
  const cfg = buildConfig(
    [{ id: 'plc', transport: 'tcp', host: '127.0.0.1', port: peer.port, timeout_ms: 300, retries: 0 }],
    [
      { id: 'dev1', bus: 'plc', unit: 1, poll_ms: 100, signals: d1.signals },
      { id: 'dev7', bus: 'plc', unit: 7, poll_ms: 100, signals: d7.signals },
    ],
  );
  const bus = new FieldBus(cfg.buses[0]!, log);
  t.after(() => bus.close());
  const out = collectingSink();
  const [p1, p7] = cfg.devices.map((d) => new DevicePoller(d, bus, out.sink, log, Date.now));
  const r = await Promise.all([p1!.pollOnce(), p7!.pollOnce()]);
  assert.ok(r.every((x) => x.answered));
  assert.deepEqual(out.failures, new Map());
  for (const [id, v] of [...d1.expected, ...d7.expected]) assert.equal(out.values.get(id), v, id);
  assert.equal(out.values.size, d1.expected.size + d7.expected.size);
  // The planner merged: far fewer transactions than signals.
  assert.ok(p1!.plan.length < d1.signals.length / 5, `plan has ${p1!.plan.length} reads`);
  assert.ok(peer.functionCodes.length > 0);
  assert.deepEqual([...new Set(peer.functionCodes)].sort(), [1, 2, 3, 4]);

  // Peer stopped mid-run: the device fails (disconnected), backs off, and recovers when it returns.
  const port = peer.port;
  await peer.stop();
  const down = await p1!.pollOnce();
  assert.equal(down.answered, false);
  assert.ok(down.reads.every((x) => x.failure && ['disconnected', 'timeout'].includes(x.failure.kind)), JSON.stringify(down.reads.map((x) => x.failure)));
  assert.ok(p1!.backoffS > 0, 'a failing device backs off');
  assert.ok(p1!.backoffS <= 30);
  peer = await startPymodbus(tmp.dir, images, { tcpPort: port });
  const deadline = Date.now() + 10_000;
  let back = await p1!.pollOnce();
  while (!back.answered && Date.now() < deadline) back = await new Promise((res) => setTimeout(() => void p1!.pollOnce().then(res), 100));
  assert.equal(back.answered, true);
  assert.equal(p1!.backoffS, 0);
  assert.ok(bus.connection.opens >= 2, 'reconnected');
});

test('exception replies from pymodbus are classified and the device is not backed off', async (t) => {
  if (!requireBinary(t, 'pymodbus')) return;
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const peer = await startPymodbus(tmp.dir, new Map([[1, fixtureDevice('u', 1).image]]), {});
  t.after(() => peer.stop());
  const cfg = buildConfig(
    [{ id: 'plc', transport: 'tcp', host: '127.0.0.1', port: peer.port, timeout_ms: 500 }],
    [{ id: 'dev', bus: 'plc', unit: 1, signals: [{ id: 'ok', table: 'holding', address: 0 }, { id: 'beyond', table: 'holding', address: 700 }] }],
  );
  const bus = new FieldBus(cfg.buses[0]!, log);
  t.after(() => bus.close());
  const out = collectingSink();
  const p = new DevicePoller(cfg.devices[0]!, bus, out.sink, log, Date.now);
  const r = await p.pollOnce();
  assert.equal(r.answered, true);
  assert.equal(out.failures.get('beyond'), 'exception');
  assert.equal(r.reads.find((x) => x.read.signals.includes('beyond'))?.failure?.exceptionCode, 2);
  assert.equal(out.values.get('ok'), 0x10000 - 12345); // int16 -12345 read as uint16
  assert.equal(p.backoffS, 0);
});
