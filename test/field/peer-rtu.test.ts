/** The engine as an RTU master on a socat pty pair: pymodbus as the slave; the port vanishing and coming back. */
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { createLogger } from '../../src/log.ts';
import { DevicePoller } from '../../src/field/device-poller.ts';
import { FieldBus } from '../../src/field/field-bus.ts';
import { startRtuSlave } from '../../src/sim/rtu-slave.ts';
import { buildConfig, collectingSink, fixtureDevice, imageSource, startPtyPair, startPymodbus, type Image } from '../helpers/field-fixture.ts';
import { requireBinary } from '../helpers/peers.ts';
import { tempDir } from '../helpers/cli.ts';

const log = createLogger({ level: 'silent' });

test('RTU against pymodbus on a pty pair: exact values for 2 units, reads only', async (t) => {
  if (!requireBinary(t, 'socat') || !requireBinary(t, 'pymodbus')) return;
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const pty = await startPtyPair(tmp.dir);
  t.after(() => pty.stop());
  const d2 = fixtureDevice('u2', 2);
  const d9 = fixtureDevice('u9', 3);
  const images = new Map<number, Image>([[2, d2.image], [9, d9.image]]);
  let peer = await startPymodbus(tmp.dir, images, { serial: pty.b, baud: 19200 });
  t.after(() => peer.stop());
  const cfg = buildConfig(
    [{ id: 'rs485', transport: 'rtu', path: pty.a, baud: 19200, parity: 'none', timeout_ms: 500, retries: 2 }],
    [
      { id: 'dev2', bus: 'rs485', unit: 2, signals: d2.signals },
      { id: 'dev9', bus: 'rs485', unit: 9, signals: d9.signals },
    ],
  );
  const bus = new FieldBus(cfg.buses[0]!, log);
  t.after(() => bus.close());
  const out = collectingSink();
  const pollers = cfg.devices.map((d) => new DevicePoller(d, bus, out.sink, log, Date.now));
  // Both devices poll at once: the bus queue serialises them.
  const r = await Promise.all(pollers.map((p) => p.pollOnce()));
  assert.ok(r.every((x) => x.answered), JSON.stringify(r.flatMap((x) => x.reads.map((y) => y.failure)).filter(Boolean)));
  assert.deepEqual(out.failures, new Map());
  for (const [id, v] of [...d2.expected, ...d9.expected]) assert.equal(out.values.get(id), v, id);
  assert.deepEqual([...new Set(peer.functionCodes)].sort(), [1, 2, 3, 4]);

  // Garbage bytes written into the pty (they reach the master's side as line noise).
  writeFileSync(pty.b, Buffer.from([0x00, 0xff, 0x02, 0x03, 0x55, 0xaa, 0x13]));
  const afterNoise = await pollers[0]!.pollOnce();
  assert.equal(afterNoise.answered, true);
  assert.ok(afterNoise.reads.every((x) => !x.failure), JSON.stringify(afterNoise.reads.map((x) => x.failure).filter(Boolean)));

  // The slave stopped mid-run: timeouts and backoff; it comes back on the same port and the device recovers.
  await peer.stop();
  const down = await pollers[1]!.pollOnce();
  assert.equal(down.answered, false);
  assert.equal(down.reads[0]!.failure?.kind, 'timeout');
  assert.ok(pollers[1]!.backoffS > 0);
  peer = await startPymodbus(tmp.dir, images, { serial: pty.b, baud: 19200 });
  const back = await pollers[1]!.pollOnce();
  assert.equal(back.answered, true, JSON.stringify(back.reads.map((x) => x.failure).filter(Boolean)));
  assert.equal(pollers[1]!.backoffS, 0);
  for (const [id, v] of d9.expected) assert.equal(out.values.get(id), v, id);
  assert.equal(bus.connection.opens, 1, 'the port stayed open throughout');
});

test('RTU: the pty removed and recreated is reopened, with backoff meanwhile', async (t) => {
  if (!requireBinary(t, 'socat')) return;
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const dev = fixtureDevice('x', 1);
  const source = imageSource(new Map([[1, dev.image]]));
  let pty = await startPtyPair(tmp.dir);
  let slave = await startRtuSlave(source, { path: pty.b, baud: 38400 });
  t.after(async () => {
    await slave.close();
    await pty.stop();
  });
  const cfg = buildConfig([{ id: 'rs485', transport: 'rtu', path: pty.a, baud: 38400, timeout_ms: 200, retries: 0 }], [{ id: 'd', bus: 'rs485', unit: 1, signals: dev.signals.slice(0, 4) }]);
  const bus = new FieldBus(cfg.buses[0]!, log);
  t.after(() => bus.close());
  const out = collectingSink();
  const p = new DevicePoller(cfg.devices[0]!, bus, out.sink, log, Date.now);
  assert.equal((await p.pollOnce()).answered, true);
  // The adapter is unplugged: socat exits, both pty links vanish.
  await slave.close();
  await pty.stop();
  const gone = await p.pollOnce();
  assert.equal(gone.answered, false);
  assert.ok(['disconnected', 'timeout'].includes(gone.reads[0]!.failure!.kind), gone.reads[0]!.failure!.message);
  const again = await p.pollOnce();
  assert.equal(again.reads[0]!.failure!.kind, 'disconnected');
  // Plugged back in at the same path.
  pty = await startPtyPair(tmp.dir);
  slave = await startRtuSlave(source, { path: pty.b, baud: 38400 });
  const deadline = Date.now() + 15_000;
  let back = await p.pollOnce();
  while (!back.answered && Date.now() < deadline) back = await new Promise((res) => setTimeout(() => void p.pollOnce().then(res), 100));
  assert.equal(back.answered, true, JSON.stringify(back.reads[0]?.failure));
  assert.equal(bus.connection.opens, 2);
  for (const s of dev.signals.slice(0, 4)) assert.equal(out.values.get(s['id'] as string), dev.expected.get(s['id'] as string));
});
