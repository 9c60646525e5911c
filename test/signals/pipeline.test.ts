/** Scaling and NAMUR NE43 at every band edge, reverse-acting loops and rounding, from tables. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toEngineering } from '../../src/signals/pipeline.ts';
import type { Quality } from '../../src/signals/sample.ts';

interface Case {
  name: string;
  raw: number;
  value: number | null;
  quality: Quality;
  reason?: RegExp;
  loopMa?: number;
}

// 1000 counts per mA: raw = mA * 1000, so every edge of the issue is an exact count.
const milli = { loop: { raw: [4000, 20000] as [number, number], eu: [0, 100] as [number, number] } };
const edges: Case[] = [
  { name: '3.59 mA: wire break', raw: 3590, value: null, quality: 'bad', reason: /^loop current low \(wire break\?\): 3\.59 mA$/, loopMa: 3.59 },
  { name: '3.6 mA: first uncertain', raw: 3600, value: 0, quality: 'uncertain', reason: /outside the NE43 measuring band/, loopMa: 3.6 },
  { name: '3.79 mA: below the measuring band', raw: 3790, value: 0, quality: 'uncertain', reason: /outside the NE43 measuring band/, loopMa: 3.79 },
  { name: '3.8 mA: measuring band, saturated at 4 mA', raw: 3800, value: 0, quality: 'uncertain', reason: /saturated below 4 mA/, loopMa: 3.8 },
  { name: '4 mA: range start', raw: 4000, value: 0, quality: 'good', reason: /^$/, loopMa: 4 },
  { name: '12 mA: mid range', raw: 12000, value: 50, quality: 'good', loopMa: 12 },
  { name: '20 mA: range end', raw: 20000, value: 100, quality: 'good', reason: /^$/, loopMa: 20 },
  { name: '20.5 mA: measuring band, saturated at 20 mA', raw: 20500, value: 100, quality: 'uncertain', reason: /saturated above 20 mA/, loopMa: 20.5 },
  { name: '20.51 mA: above the measuring band', raw: 20510, value: 100, quality: 'uncertain', reason: /outside the NE43 measuring band/, loopMa: 20.51 },
  { name: '21 mA: last uncertain', raw: 21000, value: 100, quality: 'uncertain', reason: /outside the NE43 measuring band/, loopMa: 21 },
  { name: '21.01 mA: short circuit', raw: 21010, value: null, quality: 'bad', reason: /^loop current high \(short circuit\?\): 21\.01 mA$/, loopMa: 21.01 },
  { name: '3.2 mA: simulated wire break', raw: 3200, value: null, quality: 'bad', reason: /wire break/, loopMa: 3.2 },
  { name: '22 mA: simulated short', raw: 22000, value: null, quality: 'bad', reason: /short circuit/, loopMa: 22 },
];

// Siemens S7 analog input: 0..27648 counts for 4..20 mA (1728 counts per mA), int16 below 4 mA.
const s7 = { loop: { raw: [0, 27648] as [number, number], eu: [0, 100] as [number, number] } };
const s7Edges: Case[] = [
  { name: 'S7 -692 counts (3.5995 mA): bad', raw: -692, value: null, quality: 'bad' },
  { name: 'S7 -691 counts (3.6001 mA): uncertain', raw: -691, value: 0, quality: 'uncertain' },
  { name: 'S7 -346 counts (3.7998 mA): below band', raw: -346, value: 0, quality: 'uncertain', reason: /outside/ },
  { name: 'S7 -345 counts (3.8003 mA): saturated', raw: -345, value: 0, quality: 'uncertain', reason: /saturated/ },
  { name: 'S7 0 counts: 4 mA', raw: 0, value: 0, quality: 'good', loopMa: 4 },
  { name: 'S7 13824 counts: 12 mA, exactly 50', raw: 13824, value: 50, quality: 'good', loopMa: 12 },
  { name: 'S7 6912 counts: 8 mA, exactly 25', raw: 6912, value: 25, quality: 'good', loopMa: 8 },
  { name: 'S7 1 count: full resolution kept', raw: 1, value: 0.00361689814814815, quality: 'good' },
  { name: 'S7 27648 counts: 20 mA', raw: 27648, value: 100, quality: 'good', loopMa: 20 },
  { name: 'S7 28512 counts: 20.5 mA saturated', raw: 28512, value: 100, quality: 'uncertain', reason: /saturated/, loopMa: 20.5 },
  { name: 'S7 28513 counts: above band', raw: 28513, value: 100, quality: 'uncertain', reason: /outside/ },
  { name: 'S7 29376 counts: 21 mA, still uncertain', raw: 29376, value: 100, quality: 'uncertain', loopMa: 21 },
  { name: 'S7 29377 counts: bad', raw: 29377, value: null, quality: 'bad', reason: /short circuit/ },
];

// Reverse-acting transmitter: 4 mA = 100 (high), 20 mA = 0.
const reverse = { loop: { raw: [4000, 20000] as [number, number], eu: [100, 0] as [number, number] } };
const reverseCases: Case[] = [
  { name: 'reverse 4 mA = 100', raw: 4000, value: 100, quality: 'good' },
  { name: 'reverse 8 mA = 75', raw: 8000, value: 75, quality: 'good' },
  { name: 'reverse 20 mA = 0', raw: 20000, value: 0, quality: 'good' },
  { name: 'reverse 3.9 mA saturates at the 4 mA end (100)', raw: 3900, value: 100, quality: 'uncertain' },
  { name: 'reverse 20.2 mA saturates at the 20 mA end (0)', raw: 20200, value: 0, quality: 'uncertain' },
  { name: 'reverse 3.5 mA is still a wire break', raw: 3500, value: null, quality: 'bad', reason: /wire break/ },
];

function check(sig: Parameters<typeof toEngineering>[0], c: Case): void {
  const got = toEngineering(sig, c.raw);
  assert.equal(got.quality, c.quality, `${c.name}: quality (reason ${got.reason})`);
  assert.equal(got.value, c.value, `${c.name}: value`);
  if (c.reason) assert.match(got.reason, c.reason, c.name);
  if (c.loopMa !== undefined) assert.equal(got.loopMa, c.loopMa, `${c.name}: loop current`);
  if (c.quality !== 'good') assert.notEqual(got.reason, '', `${c.name}: a reason is given`);
}

for (const [group, sig, cases] of [['NE43 band edges', milli, edges], ['S7 raw counts', s7, s7Edges], ['reverse-acting', reverse, reverseCases]] as const) {
  test(group, () => {
    for (const c of cases) check(sig, c);
  });
}

test('linear scale and offset, rounding away binary noise', () => {
  const table: { name: string; sig: { scale?: number; offset?: number }; raw: number | boolean; value: number }[] = [
    { name: 'identity', sig: {}, raw: 215, value: 215 },
    { name: 'scale 0.1', sig: { scale: 0.1 }, raw: 3, value: 0.3 },
    { name: 'scale 0.1 of 215', sig: { scale: 0.1 }, raw: 215, value: 21.5 },
    { name: 'scale and offset', sig: { scale: 0.01, offset: -40 }, raw: 6543, value: 25.43 },
    { name: 'kW to W', sig: { scale: 1000 }, raw: 12.345, value: 12345 },
    { name: 'identity keeps a 2^53 - 1 counter exact', sig: {}, raw: Number.MAX_SAFE_INTEGER, value: Number.MAX_SAFE_INTEGER },
    { name: 'bool true', sig: {}, raw: true, value: 1 },
    { name: 'bool false', sig: {}, raw: false, value: 0 },
    { name: 'negative', sig: { scale: 0.1 }, raw: -7, value: -0.7 },
  ];
  for (const c of table) {
    const got = toEngineering(c.sig, c.raw);
    assert.equal(got.value, c.value, c.name);
    assert.equal(got.quality, 'good', c.name);
    assert.equal(got.loopMa, undefined, c.name);
  }
});

test('a non-finite decoded value is bad, never a number', () => {
  for (const raw of [Number.NaN, Number.POSITIVE_INFINITY]) {
    const got = toEngineering({ scale: 2 }, raw);
    assert.equal(got.value, null);
    assert.equal(got.quality, 'bad');
    assert.match(got.reason, /not a number/);
  }
  assert.equal(toEngineering(milli, Number.NaN).quality, 'bad');
});
