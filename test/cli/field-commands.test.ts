/** `loopgate read` and `loopgate scan` through the real CLI against a Modbus/TCP slave. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTcpSlave } from '../../src/sim/tcp-slave.ts';
import type { SlaveReply } from '../../src/sim/register-source.ts';
import { runCli, tempDir } from '../helpers/cli.ts';

async function setup(t: import('node:test').TestContext): Promise<{ file: string; slave: Awaited<ReturnType<typeof startTcpSlave>> }> {
  const slave = await startTcpSlave({
    read: (unit, _fn, address, count): SlaveReply => {
      if (unit === 1) return { kind: 'values', values: Array.from({ length: count }, (_, i) => [13824, 0x4000, 0][address + i] ?? 0) };
      if (unit === 7) return { kind: 'exception', code: 2 };
      return { kind: 'silent' };
    },
  });
  t.after(() => slave.close());
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const file = tmp.write(
    'c.yaml',
    `site: t
buses:
  - { id: plc, transport: tcp, host: 127.0.0.1, port: ${slave.port}, timeout_ms: 150, retries: 0 }
devices:
  - id: pdu-1
    bus: plc
    unit: 1
    signals:
      - { id: temp, kind: temperature, table: input, address: 0, loop: { raw: [0, 27648], eu: [0, 100] }, unit: Cel }
      - { id: power, kind: power, table: holding, address: 1, type: float32, word_order: little, unit: W }
  - id: gone
    bus: plc
    unit: 9
    signals:
      - { id: g, table: holding, address: 0 }
`,
  );
  return { file, slave };
}

test('read: every signal with raw, engineering value, unit and quality; a silent device fails the exit code', async (t) => {
  const { file, slave } = await setup(t);
  const r = await runCli(['read', '--config', file]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /device pdu-1 \(bus plc, unit 1\): ok/);
  assert.match(r.stdout, /temp +input 0 +uint16 +raw 13824 +50 Cel \(12 mA\) +good/);
  // float32 CDAB: registers [0x4000, 0x0000] -> 0x00004000 as a float is a denormal; raw and value printed
  assert.match(r.stdout, /power +holding 1 +float32/);
  assert.match(r.stdout, /device gone \(bus plc, unit 9\): NO ANSWER/);
  assert.match(r.stdout, /error: holding 0\+1: timeout/);
  assert.deepEqual([...slave.functionCodes.keys()].sort(), [3, 4]);

  const one = await runCli(['read', '--config', file, '--device', 'pdu-1', '--json']);
  assert.equal(one.code, 0, one.stderr);
  const reports = JSON.parse(one.stdout) as Array<{ device: string; ok: boolean; signals: Array<{ id: string; raw: number; value: number; quality: string; loop_ma?: number }> }>;
  assert.equal(reports.length, 1);
  assert.equal(reports[0]!.ok, true);
  assert.deepEqual(reports[0]!.signals[0], { id: 'temp', table: 'input', address: 0, type: 'uint16', unit: 'Cel', raw: 13824, value: 50, quality: 'good', reason: '', loop_ma: 12 });

  const bad = await runCli(['read', '--config', file, '--device', 'nope']);
  assert.equal(bad.code, 64);
  assert.match(bad.stderr, /no device "nope"/);
});

test('scan: finds the unit ids that answer (an exception is an answer), reads only', async (t) => {
  const { file, slave } = await setup(t);
  const r = await runCli(['scan', '--config', file, '--bus', 'plc', '--units', '1-2,7', '--timeout-ms', '500', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { scanned: number; answered: Array<{ unit: number; reply: string }> };
  assert.equal(out.scanned, 3);
  assert.deepEqual(out.answered, [{ unit: 1, reply: 'holding 0 = 13824' }, { unit: 7, reply: 'exception 2' }]);
  assert.deepEqual([...slave.functionCodes.keys()], [3]);
  const usage = await runCli(['scan', '--config', file, '--bus', 'plc', '--units', '0-300']);
  assert.equal(usage.code, 64);
});
