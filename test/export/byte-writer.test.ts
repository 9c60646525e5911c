/** ByteWriter: sample values print exactly as String(v); a reset writer reuses its buffer. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteWriter } from '../../src/export/byte-writer.ts';

const written = (w: ByteWriter, v: number): string => {
  w.reset();
  w.number(v);
  return w.result().toString('latin1');
};
const expected = (v: number): string => (v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v));

test('number() writes what String(v) prints, +Inf/-Inf for infinities', () => {
  const w = new ByteWriter();
  const cases = [0, -0, 1, -1, 2, 10, 0.5, -0.5, 0.532, 0.1, 0.000001, 1e-7, 5e-324, 0.1 + 0.2, 18.75361689814815, 123456.789, -123456.789, 999999999.999999, 1e9, -1e9, 1e21, 2 ** 53, 35, 120000, 8.8, NaN, Infinity, -Infinity];
  for (const v of cases) assert.equal(written(w, v), expected(v), `value ${v}`);
});

test('number() agrees with String(v) over a sweep of decimals and arbitrary doubles', () => {
  const w = new ByteWriter();
  // A fixed LCG: the same values every run.
  let seed = 12345;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 50_000; i++) {
    const decimal = Math.round((rnd() - 0.5) * 10 ** (rnd() * 15)) / 10 ** Math.floor(rnd() * 8);
    const any = (rnd() - 0.5) * 10 ** (rnd() * 20 - 8);
    assert.equal(written(w, decimal), expected(decimal), `decimal ${decimal}`);
    assert.equal(written(w, any), expected(any), `double ${any}`);
  }
});

test('reset() keeps the buffer; slice() and text() append; growth keeps what was written', () => {
  const w = new ByteWriter(1024);
  w.text('héllo ');
  w.slice(Buffer.from('xxabcxx'), 2, 5);
  assert.equal(w.result().toString('utf8'), 'héllo abc');
  const first = w.result().buffer;
  w.reset();
  w.ascii('z');
  assert.equal(w.result().toString(), 'z');
  assert.equal(w.result().buffer, first, 'the same memory after reset');
  const big = 'y'.repeat(5000);
  w.text(big);
  assert.equal(w.result().toString(), `z${big}`);
});
