/** Read-only by construction: no write function code can be framed, and a peer only ever sees 1-4. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../../src/log.ts';
import { DevicePoller } from '../../src/field/device-poller.ts';
import { FieldBus } from '../../src/field/field-bus.ts';
import { encodeReadPdu, type ReadRequest } from '../../src/field/pdu.ts';
import { startTcpSlave } from '../../src/sim/tcp-slave.ts';
import { repoRoot } from '../helpers/cli.ts';
import { buildConfig, collectingSink, fixtureDevice, imageSource } from '../helpers/field-fixture.ts';

test('the PDU encoder refuses every write function code', () => {
  for (const fn of [5, 6, 15, 16, 22, 23, 0, 7, 8, 43]) {
    assert.throws(() => encodeReadPdu({ unit: 1, fn, address: 0, count: 1 } as unknown as ReadRequest), /only reads/);
  }
  for (const fn of [1, 2, 3, 4] as const) assert.equal(encodeReadPdu({ unit: 1, fn, address: 0, count: 1 })[0], fn);
});

test('nothing in src/field frames a request except encodeReadPdu', () => {
  const dir = join(repoRoot, 'src/field');
  const framers = readdirSync(dir).filter((f) => /(?:writeUInt8|pdu\[0\] =)/.test(readFileSync(join(dir, f), 'utf8')));
  assert.deepEqual(framers, ['pdu.ts']);
});

test('a whole poll of every table against a recording peer sends only function codes 1-4', async (t) => {
  const dev = fixtureDevice('d', 1);
  const slave = await startTcpSlave(imageSource(new Map([[1, dev.image]])));
  t.after(() => slave.close());
  const cfg = buildConfig([{ id: 'plc', transport: 'tcp', host: '127.0.0.1', port: slave.port }], [{ id: 'd', bus: 'plc', unit: 1, signals: dev.signals }]);
  const log = createLogger({ level: 'silent' });
  const bus = new FieldBus(cfg.buses[0]!, log);
  t.after(() => bus.close());
  const out = collectingSink();
  const p = new DevicePoller(cfg.devices[0]!, bus, out.sink, log, Date.now);
  for (let i = 0; i < 3; i++) assert.equal((await p.pollOnce()).answered, true);
  for (const [id, v] of dev.expected) assert.equal(out.values.get(id), v, id);
  assert.deepEqual([...slave.functionCodes.keys()].sort(), [1, 2, 3, 4]);
  assert.equal([...slave.functionCodes.values()].reduce((a, b) => a + b), 3 * p.plan.length);
});
