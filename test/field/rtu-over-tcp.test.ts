/** RTU framing over TCP (a serial device server): loopgate's RTU slave behind a TCP listener. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { createLogger } from '../../src/log.ts';
import { DevicePoller } from '../../src/field/device-poller.ts';
import { FieldBus } from '../../src/field/field-bus.ts';
import { startRtuSlave, type RtuSlave } from '../../src/sim/rtu-slave.ts';
import { buildConfig, collectingSink, fixtureDevice, imageSource } from '../helpers/field-fixture.ts';

test('rtu-over-tcp: exact values through a device server, reconnect after it drops the connection', async (t) => {
  const dev = fixtureDevice('g', 4);
  const source = imageSource(new Map([[4, dev.image]]));
  const slaves: RtuSlave[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    void startRtuSlave(source, { stream: sock, baud: 9600 }).then((s) => slaves.push(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(async () => {
    sockets.forEach((s) => s.destroy());
    await new Promise<void>((r) => server.close(() => r()));
  });
  const port = (server.address() as { port: number }).port;
  const cfg = buildConfig([{ id: 'gw', transport: 'rtu-over-tcp', host: '127.0.0.1', port, baud: 9600, timeout_ms: 1000, retries: 0 }], [{ id: 'd', bus: 'gw', unit: 4, signals: dev.signals }]);
  const log = createLogger({ level: 'silent' });
  const bus = new FieldBus(cfg.buses[0]!, log);
  t.after(() => bus.close());
  const out = collectingSink();
  const p = new DevicePoller(cfg.devices[0]!, bus, out.sink, log, Date.now);
  assert.equal((await p.pollOnce()).answered, true);
  for (const [id, v] of dev.expected) assert.equal(out.values.get(id), v, id);
  sockets.forEach((s) => s.destroy());
  const dropped = await p.pollOnce();
  assert.equal(dropped.answered, false);
  const deadline = Date.now() + 10_000;
  let back = await p.pollOnce();
  while (!back.answered && Date.now() < deadline) back = await new Promise((res) => setTimeout(() => void p.pollOnce().then(res), 100));
  assert.equal(back.answered, true);
  assert.equal(bus.connection.opens, 2);
  assert.deepEqual([...new Set(slaves.flatMap((s) => [...s.functionCodes.keys()]))].sort(), [1, 2, 3, 4]);
});
