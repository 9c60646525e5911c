import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema, type BusConfig, type DeviceConfig } from '../../src/config/schema.ts';
import { costGap, planDevice } from '../../src/field/planner.ts';

const rtu = (baud: number, parity: 'none' | 'even' = 'even'): BusConfig => ({ id: 'b', transport: 'rtu', path: '/dev/null', baud, parity, data_bits: 8, stop_bits: 1, timeout_ms: 300, retries: 1, busy_retry_ms: 200 });
const tcp: BusConfig = { id: 't', transport: 'tcp', host: 'h', port: 502, timeout_ms: 1000, retries: 1, busy_retry_ms: 200 };

function device(signals: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}): DeviceConfig {
  const cfg = configSchema.parse({ site: 's', buses: [{ id: 'b', transport: 'tcp', host: 'h' }], devices: [{ id: 'd', bus: 'b', unit: 1, signals, ...extra }] });
  return cfg.devices[0]!;
}
const sig = (id: string, address: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ id, table: 'holding', address, ...extra });

test('cost gap: a hole is read when it costs less wire time than another transaction', () => {
  // <= 19200 baud: a transaction costs 13 bytes + 2 x 3.5 chars = 20 chars; a register 2 chars.
  assert.equal(costGap(rtu(19200), false), 9);
  assert.equal(costGap(rtu(9600, 'none'), false), 9);
  assert.equal(costGap(rtu(19200), true), 159);
  // 115200 8E1: t3.5 is 1.75 ms = 18.3 chars, so holes up to 24 registers are cheaper.
  assert.equal(costGap(rtu(115200), false), 24);
  assert.equal(costGap(tcp, false), 124);
  assert.equal(costGap(tcp, true), 1999);
});

const cases: Array<{ name: string; bus: BusConfig; signals: Array<Record<string, unknown>>; extra?: Record<string, unknown>; plan: Array<[string, number, number, string[]]> }> = [
  { name: 'adjacent registers merge', bus: rtu(19200), signals: [sig('a', 0), sig('b', 1), sig('c', 2, { type: 'float32' })], plan: [['holding', 0, 4, ['a', 'b', 'c']]] },
  { name: 'gap of 9 merges at 19200', bus: rtu(19200), signals: [sig('a', 0), sig('b', 10)], plan: [['holding', 0, 11, ['a', 'b']]] },
  { name: 'gap of 10 splits at 19200', bus: rtu(19200), signals: [sig('a', 0), sig('b', 11)], plan: [['holding', 0, 1, ['a']], ['holding', 11, 1, ['b']]] },
  { name: 'gap of 24 merges at 115200', bus: rtu(115200), signals: [sig('a', 0), sig('b', 25)], plan: [['holding', 0, 26, ['a', 'b']]] },
  { name: 'max_gap caps the hole', bus: rtu(19200), signals: [sig('a', 0), sig('b', 3), sig('c', 5)], extra: { max_gap: 1 }, plan: [['holding', 0, 1, ['a']], ['holding', 3, 3, ['b', 'c']]] },
  { name: 'max_gap 0 reads contiguous runs only', bus: tcp, signals: [sig('a', 0), sig('b', 1), sig('c', 3)], extra: { max_gap: 0 }, plan: [['holding', 0, 2, ['a', 'b']], ['holding', 3, 1, ['c']]] },
  { name: 'no_merge: one read per signal', bus: tcp, signals: [sig('b', 1), sig('a', 0, { type: 'uint32', allow_overlap: true })], extra: { no_merge: true }, plan: [['holding', 0, 2, ['a']], ['holding', 1, 1, ['b']]] },
  { name: '125-register limit', bus: tcp, signals: [sig('a', 0), sig('b', 124), sig('c', 125)], plan: [['holding', 0, 125, ['a', 'b']], ['holding', 125, 1, ['c']]] },
  { name: 'a 4-register value never splits across reads', bus: tcp, signals: [sig('a', 0), sig('b', 122, { type: 'float64' })], plan: [['holding', 0, 1, ['a']], ['holding', 122, 4, ['b']]] },
  { name: 'max_registers', bus: tcp, signals: [sig('a', 0), sig('b', 10), sig('c', 20)], extra: { max_registers: 16 }, plan: [['holding', 0, 11, ['a', 'b']], ['holding', 20, 1, ['c']]] },
  { name: 'tables are planned apart, in table order', bus: tcp, signals: [sig('i', 0, { table: 'input' }), sig('h', 0), sig('c', 5, { table: 'coil', type: 'bool' }), sig('d', 0, { table: 'discrete', type: 'bool' })], plan: [['coil', 5, 1, ['c']], ['discrete', 0, 1, ['d']], ['holding', 0, 1, ['h']], ['input', 0, 1, ['i']]] },
  { name: '2000-bit limit for coils', bus: tcp, signals: [sig('a', 0, { table: 'coil', type: 'bool' }), sig('b', 1999, { table: 'coil', type: 'bool' }), sig('c', 2000, { table: 'coil', type: 'bool' })], plan: [['coil', 0, 2000, ['a', 'b']], ['coil', 2000, 1, ['c']]] },
  { name: 'bits of one register share it', bus: rtu(19200), signals: [sig('x0', 7, { type: 'bool', bit: 0, allow_overlap: true }), sig('x1', 7, { type: 'bool', bit: 1, allow_overlap: true })], plan: [['holding', 7, 1, ['x0', 'x1']]] },
];

for (const c of cases) {
  test(`plan: ${c.name}`, () => {
    const got = planDevice(device(c.signals, c.extra), c.bus).map((r) => [r.table, r.start, r.count, r.signals]);
    assert.deepEqual(got, c.plan);
  });
}

test('plan is deterministic: signal order in the config does not matter', () => {
  const signals = Array.from({ length: 60 }, (_, i) => sig(`s${i}`, (i * 7919) % 400));
  const a = planDevice(device(signals), rtu(19200));
  const b = planDevice(device([...signals].reverse()), rtu(19200));
  assert.deepEqual(a, b);
  assert.deepEqual(a.flatMap((r) => r.signals).sort(), signals.map((s) => s['id'] as string).sort());
});
