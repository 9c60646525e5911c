/**
 * Protocol faults on a real pty pair (socat) with loopgate's own RTU slave: CRC corruption, noise,
 * wrong unit, truncated frames, a slow slave, busy and other exceptions; t3.5 kept throughout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../src/log.ts';
import { DevicePoller } from '../../src/field/device-poller.ts';
import { FieldBus } from '../../src/field/field-bus.ts';
import { startRtuSlave, type RtuSlave } from '../../src/sim/rtu-slave.ts';
import type { RegisterSource, SlaveReply } from '../../src/sim/register-source.ts';
import { buildConfig, collectingSink, startPtyPair } from '../helpers/field-fixture.ts';
import { requireBinary } from '../helpers/peers.ts';
import { tempDir } from '../helpers/cli.ts';

const log = createLogger({ level: 'silent' });

/** Unit 1: holding[n] = n * 10; unit 5 answers what `next5` says (busy, exception, slow...). */
function source(): RegisterSource & { next5: Array<SlaveReply | 'slow'>; slowMs: number } {
  const s = {
    next5: [] as Array<SlaveReply | 'slow'>,
    slowMs: 0,
    async read(unit: number, _fn: number, address: number, count: number): Promise<SlaveReply> {
      const values: SlaveReply = { kind: 'values', values: Array.from({ length: count }, (_, i) => (address + i) * 10) };
      if (unit === 1) return values;
      if (unit !== 5) return { kind: 'silent' };
      const n = s.next5.shift();
      if (n === 'slow') {
        await sleep(s.slowMs);
        return values;
      }
      return n ?? values;
    },
  };
  return s;
}

test('RTU faults are classified, retried where a frame was lost, and t3.5 is kept', async (t) => {
  if (!requireBinary(t, 'socat')) return;
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const pty = await startPtyPair(tmp.dir);
  t.after(() => pty.stop());
  const src = source();
  const slave: RtuSlave = await startRtuSlave(src, { path: pty.b, baud: 38400, wirePaced: true });
  t.after(() => slave.close());
  const signals = [{ id: 'a', table: 'holding', address: 2 }, { id: 'b', table: 'holding', address: 4 }];
  const cfg = buildConfig(
    [{ id: 'rs485', transport: 'rtu', path: pty.a, baud: 38400, timeout_ms: 250, retries: 0, busy_retry_ms: 20 }],
    [
      { id: 'd1', bus: 'rs485', unit: 1, signals },
      { id: 'd5', bus: 'rs485', unit: 5, signals: signals.map((s) => ({ ...s, id: `${s.id}5` })) },
    ],
  );
  const bus = new FieldBus(cfg.buses[0]!, log);
  t.after(() => bus.close());
  const out = collectingSink();
  const d1 = new DevicePoller(cfg.devices[0]!, bus, out.sink, log, Date.now);
  const d5 = new DevicePoller(cfg.devices[1]!, bus, out.sink, log, Date.now);
  const kindOf = async (p: DevicePoller): Promise<string> => (await p.pollOnce()).reads[0]!.failure?.kind ?? 'ok';

  assert.equal(await kindOf(d1), 'ok');
  assert.equal(out.values.get('a'), 20);
  assert.equal(out.values.get('b'), 40);

  // Noise in front of a valid reply is skipped (the reply is found after it); the rest fail the read.
  const table = [['crc', 'crc'], ['garbage', 'ok'], ['wrong_unit', 'wrong_unit'], ['wrong_function', 'wrong_function'], ['byte_count', 'byte_count'], ['truncate', 'timeout'], ['silent', 'timeout']] as const;
  for (const [fault, kind] of table) {
    slave.inject(fault);
    assert.equal(await kindOf(d1), kind, fault);
    assert.equal(await kindOf(d1), 'ok', `recovers after ${fault}`);
  }
  // Noise on the idle line between transactions does not break the next one.
  slave.writeNoise(Buffer.from([0x00, 0xff, 0x13, 0x37]));
  assert.equal(await kindOf(d1), 'ok');

  // A slow slave: timeout, and its late reply is not taken for the next transaction's.
  src.slowMs = 400;
  src.next5.push('slow');
  assert.equal(await kindOf(d5), 'timeout');
  assert.equal(await kindOf(d1), 'ok');
  assert.equal(out.values.get('a'), 20);

  // Exception 6 (busy) is retried after busy_retry_ms without reopening the port.
  src.next5.push({ kind: 'exception', code: 6 });
  assert.equal(await kindOf(d5), 'ok');
  src.next5.push({ kind: 'exception', code: 6 }, { kind: 'exception', code: 6 });
  assert.equal(await kindOf(d5), 'busy');
  for (const code of [1, 2, 3, 4, 11]) {
    src.next5.push({ kind: 'exception', code });
    const r = await d5.pollOnce();
    assert.equal(r.reads[0]!.failure?.kind, 'exception');
    assert.equal(r.reads[0]!.failure?.exceptionCode, code);
    assert.equal(r.answered, true, 'an exception is an answer: no backoff');
  }
  assert.equal(bus.connection.opens, 1, 'never reopened for protocol faults');

  // Retries: with retries=1 a single lost frame costs nothing visible.
  const bus2 = new FieldBus({ ...cfg.buses[0]!, retries: 1 }, log);
  await bus.close();
  t.after(() => bus2.close());
  const d1r = new DevicePoller(cfg.devices[0]!, bus2, out.sink, log, Date.now);
  slave.inject('crc');
  assert.equal(await kindOf(d1r), 'ok');

  assert.equal(slave.stats.t35Violations, 0, `min gap ${slave.stats.minGapMs} ms`);
  assert.equal(slave.stats.collisions, 1, 'only the slow reply came after the master moved on');
  assert.deepEqual([...slave.functionCodes.keys()], [3]);
});

test('a dead device backs off while a healthy one on the same bus keeps polling', async (t) => {
  if (!requireBinary(t, 'socat')) return;
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const pty = await startPtyPair(tmp.dir);
  t.after(() => pty.stop());
  const slave = await startRtuSlave(source(), { path: pty.b, baud: 115200 });
  t.after(() => slave.close());
  const cfg = buildConfig(
    [{ id: 'rs485', transport: 'rtu', path: pty.a, baud: 115200, timeout_ms: 40, retries: 0 }],
    [
      { id: 'ok', bus: 'rs485', unit: 1, poll_ms: 50, signals: [{ id: 'x', table: 'holding', address: 0 }] },
      { id: 'dead', bus: 'rs485', unit: 9, poll_ms: 50, signals: [{ id: 'y', table: 'holding', address: 0 }] },
    ],
  );
  const bus = new FieldBus(cfg.buses[0]!, log);
  t.after(() => bus.close());
  const out = collectingSink();
  const [ok, dead] = cfg.devices.map((d) => new DevicePoller(d, bus, out.sink, log, Date.now));
  t.after(async () => {
    await ok!.stop();
    await dead!.stop();
  });
  ok!.start();
  dead!.start();
  const deadline = Date.now() + 10_000;
  while (dead!.polls < 4 && Date.now() < deadline) await sleep(20);
  assert.ok(dead!.polls >= 4);
  assert.ok(dead!.backoffS > 0.05, `backoff grows: ${dead!.backoffS} s`);
  assert.ok(dead!.backoffS <= 30);
  assert.ok(ok!.polls > 2 * dead!.polls, `healthy ${ok!.polls} polls vs dead ${dead!.polls}`);
  assert.equal(ok!.backoffS, 0);
  assert.equal(out.failures.get('x'), undefined);
  assert.equal(out.failures.get('y'), 'timeout');
});
