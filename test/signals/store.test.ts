/** The store: staleness on an injected clock, bounded history, rate of rise, zone aggregates. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.ts';
import { SignalStore } from '../../src/signals/store.ts';

const yaml = `
site: t
gateway_id: gw
buses: [{ id: b, transport: tcp, host: 127.0.0.1, port: 1502 }]
devices:
  - id: plc
    bus: b
    unit: 1
    poll_ms: 1000
    signals:
      - { id: t1, kind: temperature, table: input, address: 0, type: int16, loop: { raw: [0, 27648], eu: [0, 100] }, unit: Cel }
      - { id: t2, kind: temperature, table: input, address: 1, type: int16, loop: { raw: [0, 27648], eu: [0, 100] }, unit: Cel }
      - { id: p1, kind: power, table: input, address: 10, type: float32, unit: W }
      - { id: p2, kind: power, table: input, address: 12, type: float32, unit: W }
  - id: pdu
    bus: b
    unit: 2
    poll_ms: 500
    signals:
      - { id: energy, kind: energy, table: holding, address: 0, type: int32, unit: J }
zones:
  - id: hall
    temperature: [t1, t2]
    power: [p1, p2]
    limits: { temperature_max: 35, power_budget: 100000, stale_after_ms: 5000 }
`;
const config = parseConfig(yaml);
const counts = (celsius: number): number => (celsius / 100) * 27648;

function fixture(opts = {}) {
  let now = 1_000_000;
  const store = new SignalStore(config, () => now, opts);
  return { store, at: (t: number) => (now = t), now: () => now };
}

test('staleness: zone stale_after_ms for zone signals, 3 x poll period otherwise; bad only after the limit', () => {
  const { store, at } = fixture();
  assert.equal(store.staleAfterMs('t1'), 5000);
  assert.equal(store.staleAfterMs('energy'), 1500);
  store.values('plc', 1_000_000, [['t1', counts(25)], ['p1', 1000]]);
  store.values('pdu', 1_000_000, [['energy', 42]]);
  at(1_005_000);
  let snap = store.snapshot();
  assert.equal(snap.signals.get('t1')!.quality, 'good', 'exactly stale_after_ms old is not stale yet');
  assert.equal(snap.signals.get('energy')!.quality, 'bad');
  assert.equal(snap.signals.get('energy')!.reason, 'stale (age 5000 ms)');
  at(1_005_001);
  snap = store.snapshot();
  const t1 = snap.signals.get('t1')!;
  assert.equal(t1.quality, 'bad');
  assert.equal(t1.reason, 'stale (age 5001 ms)');
  assert.equal(t1.value, 25, 'the last value is kept but never posed as fresh');
  assert.equal(snap.takenAt, 1_005_001);
  // A fresh sample clears it.
  store.values('plc', 1_005_100, [['t1', counts(26)]]);
  assert.equal(store.snapshot().signals.get('t1')!.quality, 'good');
});

test('a failed read keeps the value uncertain, then stale; a wire break is bad with its own reason', () => {
  const { store } = fixture();
  store.values('plc', 1_000_000, [['t1', counts(25)]]);
  store.failure('plc', 1_001_000, ['t1'], { kind: 'timeout', message: 'no reply in 500 ms' });
  let s = store.snapshot(1_001_000).signals.get('t1')!;
  assert.equal(s.quality, 'uncertain');
  assert.match(s.reason, /read failed: timeout/);
  assert.equal(s.value, 25);
  s = store.snapshot(1_006_000).signals.get('t1')!;
  assert.equal(s.quality, 'bad');
  assert.equal(s.reason, 'stale (age 6000 ms)');
  // Wire break: 3.2 mA = -1382 S7 counts.
  store.values('plc', 1_006_100, [['t1', -1382]]);
  s = store.snapshot(1_006_100).signals.get('t1')!;
  assert.equal(s.quality, 'bad');
  assert.match(s.reason, /^loop current low \(wire break\?\)/);
  assert.equal(s.value, null);
  assert.ok(Math.abs(s.loopMa! - 3.2) < 0.001, `loop current ${s.loopMa}`);
  s = store.snapshot(1_020_000).signals.get('t1')!;
  assert.match(s.reason, /wire break/, 'an already bad sample keeps its specific reason');
});

test('zone aggregates: max temperature, total power, quality = worst input, oldest age', () => {
  const { store } = fixture();
  let z = store.snapshot(1_000_000).zones.get('hall')!;
  assert.equal(z.quality, 'bad');
  assert.equal(z.temperature, null);
  assert.equal(z.power, null);
  assert.equal(z.oldestInputAgeMs, Infinity);
  store.values('plc', 999_000, [['t1', counts(25)], ['t2', counts(27.5)], ['p1', 40_000], ['p2', 2500.5]]);
  z = store.snapshot(1_000_000).zones.get('hall')!;
  assert.deepEqual({ ...z, temperatureRisePerMin: undefined }, { zoneId: 'hall', temperature: 27.5, power: 42_500.5, quality: 'good', reason: '', oldestInputAgeMs: 1000, temperatureRisePerMin: undefined });
  // One saturated transmitter (20.3 mA): the zone is uncertain, the value still counts.
  store.values('plc', 1_000_000, [['t2', 28166]]);
  z = store.snapshot(1_000_000).zones.get('hall')!;
  assert.equal(z.quality, 'uncertain');
  assert.equal(z.temperature, 100);
  assert.match(z.reason, /^t2: loop current 20\.30 mA saturated/);
  // A broken feed meter makes total power unusable and the zone bad.
  store.values('plc', 1_000_000, [['t2', counts(27.5)], ['p2', Number.NaN]]);
  z = store.snapshot(1_000_000).zones.get('hall')!;
  assert.equal(z.quality, 'bad');
  assert.equal(z.power, null);
  assert.equal(z.temperature, 27.5);
});

test('history: 1 M samples through one signal leave it at its cap', () => {
  const { store, at } = fixture();
  // 15 min at 1 s polls: capacity ceil(900 * 1.25) + 8 = 1133 samples.
  for (let i = 0; i < 1_000_000; i++) store.values('plc', i * 1000, [['p1', i]]);
  at(999_999 * 1000);
  const h = store.history('p1');
  assert.equal(h.length, 901, 'the 15-minute window at 1 s polls');
  assert.deepEqual(h.at(-1), { ts: 999_999_000, value: 999_999 });
  assert.equal(h[0]!.ts, 999_999_000 - 900_000);
  // Two signals have rings: p1 full (1133 samples) and nothing else written.
  assert.equal(store.historyBytes(), 1133 * 16 + 3 * 64 * 16);
  assert.deepEqual(store.history('energy'), [], 'non-zone signals keep no history by default');
});

test('history cap holds even when samples come faster than the poll period', () => {
  const { store } = fixture({ maxHistorySamples: 100 });
  for (let i = 0; i < 1_000_000; i++) store.values('plc', 1_000_000 + i, [['p1', i]]);
  assert.equal(store.history('p1', undefined, 2_000_000).length, 100);
  assert.ok(store.historyBytes() <= 100 * 16 + 3 * 64 * 16);
});

test('rate of rise: least squares per minute over the window, min/max, good samples only', () => {
  const { store, at } = fixture({ rateWindowMs: 120_000 });
  // 0.5 Cel/min ramp with +-0.1 alternating noise, one sample a second for 10 minutes.
  const t0 = 1_000_000;
  for (let i = 0; i <= 600; i++) store.values('plc', t0 + i * 1000, [['t1', counts(20 + (0.5 * i) / 60 + (i % 2 ? 0.1 : -0.1))]]);
  at(t0 + 600_000);
  const st = store.stats('t1')!;
  assert.equal(st.count, 121);
  assert.ok(Math.abs(st.ratePerMin! - 0.5) < 0.01, `rate ${st.ratePerMin}`);
  assert.ok(Math.abs(st.min! - (20 + 4 - 0.1)) < 1e-3, `min ${st.min}`);
  assert.ok(Math.abs(st.max! - (20 + (0.5 * 599) / 60 + 0.1)) < 1e-3, `max ${st.max}`);
  const z = store.snapshot().zones.get('hall')!;
  assert.ok(Math.abs(z.temperatureRisePerMin! - 0.5) < 0.01);
  // A wire break and a saturated reading do not enter the history.
  store.values('plc', t0 + 601_000, [['t1', -1382]]);
  store.values('plc', t0 + 602_000, [['t1', 28166]]);
  assert.equal(store.stats('t1', 120_000, t0 + 602_000)!.count, 119);
  // Too few samples: no rate.
  assert.equal(store.stats('t2')!.ratePerMin, null);
  assert.equal(store.stats('energy'), undefined);
});

test('subscribe sees every sample in order; unsubscribe stops it; a throwing subscriber costs nothing', () => {
  const { store } = fixture();
  const seen: string[] = [];
  store.subscribe(() => {
    throw new Error('broken sink');
  });
  const off = store.subscribe((s) => seen.push(`${s.signalId}#${s.seq}:${s.quality}`));
  store.values('plc', 1, [['t1', counts(20)], ['p1', 5]]);
  store.failure('plc', 2, ['p1'], { kind: 'crc', message: 'bad crc' });
  off();
  store.values('plc', 3, [['t1', counts(21)]]);
  assert.deepEqual(seen, ['t1#1:good', 'p1#1:good', 'p1#2:uncertain']);
  assert.equal(store.listenerErrors, 4);
  assert.equal(store.snapshot(3).signals.get('t1')!.seq, 2);
});

test('snapshots are consistent: later writes do not change an earlier snapshot', () => {
  const { store } = fixture();
  store.values('plc', 1_000_000, [['t1', counts(20)]]);
  const a = store.snapshot(1_000_000);
  store.values('plc', 1_000_500, [['t1', counts(30)]]);
  assert.equal(a.signals.get('t1')!.value, 20);
  assert.equal(store.snapshot(1_000_500).signals.get('t1')!.value, 30);
  assert.deepEqual(store.signalIds(), ['t1', 't2', 'p1', 'p2', 'energy']);
});

test('zoneSnapshot: only the zones\' signals, with the same staleness and zone aggregates as snapshot()', () => {
  const { store, at } = fixture();
  store.values('plc', 1_000_000, [['t1', counts(25)], ['t2', counts(30)], ['p1', 1000], ['p2', 500]]);
  store.values('pdu', 1_000_000, [['energy', 42]]);
  at(1_004_000);
  const full = store.snapshot();
  const zone = store.zoneSnapshot();
  assert.deepEqual([...zone.signals.keys()], ['t1', 't2', 'p1', 'p2']);
  for (const [id, s] of zone.signals) assert.deepEqual(s, full.signals.get(id));
  assert.deepEqual(zone.zones, full.zones);
  assert.equal(zone.takenAt, full.takenAt);
  at(1_006_000);
  assert.equal(store.zoneSnapshot().signals.get('t1')!.reason, 'stale (age 6000 ms)');
});

test('zonesSnapshot: just the named zones and their own signals, judged exactly as the full snapshot judges them (no rise fit)', () => {
  const twoZones = parseConfig(`${yaml}  - id: annex
    temperature: [t2]
    power: [p2]
    limits: { temperature_max: 30, power_budget: 50000, stale_after_ms: 2000 }
`);
  let now = 1_000_000;
  const store = new SignalStore(twoZones, () => now);
  for (let i = 0; i < 60; i++) store.values('plc', 1_000_000 + i * 1000, [['t1', counts(25 + i / 60)], ['t2', counts(20)], ['p1', 1000], ['p2', 500]]);
  store.values('pdu', 1_000_000, [['energy', 42]]);
  now = 1_060_500; // last samples at 1_059_000: t2/p2 (annex: 2000 ms) good now, stale a second later
  for (const at of [now, now + 1000]) {
    const full = store.snapshot(at);
    const hall = store.zonesSnapshot(['hall'], at);
    assert.deepEqual([...hall.zones.keys()], ['hall']);
    assert.deepEqual([...hall.signals.keys()].sort(), ['p1', 'p2', 't1', 't2']);
    const { temperatureRisePerMin: hallRise, ...hallState } = full.zones.get('hall')!;
    assert.equal(typeof hallRise, 'number', 'the full snapshot fits the rise; zonesSnapshot leaves it out');
    assert.deepEqual(hall.zones.get('hall'), hallState);
    for (const [id, s] of hall.signals) assert.deepEqual(s, full.signals.get(id), id);
    const annex = store.zonesSnapshot(['annex'], at);
    assert.deepEqual([...annex.signals.keys()].sort(), ['p2', 't2']);
    const { temperatureRisePerMin: _annexRise, ...annexState } = full.zones.get('annex')!;
    assert.deepEqual(annex.zones.get('annex'), annexState);
    assert.equal(annex.takenAt, at);
  }
  assert.equal(store.zonesSnapshot(['annex'], now).signals.get('t2')!.quality, 'good');
  assert.equal(store.zonesSnapshot(['hall'], now + 1000).signals.get('t2')!.quality, 'bad', "t2's stale_after_ms is its tightest zone's, whichever zone asks");
  assert.equal(store.zonesSnapshot(['nowhere'], now).zones.size, 0);
});
