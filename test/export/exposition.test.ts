/** ExpositionSource: concurrent scrapes share one collection; a body in use is never overwritten. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type CollectionResult } from '@opentelemetry/sdk-metrics';
import { ValueType } from '@opentelemetry/api';
import { ExpositionSource } from '../../src/export/exposition.ts';

/** A collect() whose result the test controls: each call waits for release(value). */
function fakeReader(): { collect: () => Promise<CollectionResult>; calls: () => number; release: (value: number) => void } {
  const waiting: Array<(r: CollectionResult) => void> = [];
  let calls = 0;
  const result = (value: number): CollectionResult => ({
    resourceMetrics: {
      resource: resourceFromAttributes({ 'service.name': 't' }),
      scopeMetrics: [
        {
          scope: { name: 't' },
          metrics: [
            {
              descriptor: { name: 'x', unit: '', description: 'x', valueType: ValueType.DOUBLE },
              aggregationTemporality: AggregationTemporality.CUMULATIVE,
              dataPointType: DataPointType.GAUGE,
              dataPoints: [{ startTime: [0, 0], endTime: [0, 0], attributes: { k: 'v' }, value }],
            },
          ],
        },
      ],
    },
    errors: [],
  });
  return {
    collect: () => {
      calls++;
      return new Promise((resolve) => waiting.push(resolve));
    },
    calls: () => calls,
    release: (value) => waiting.shift()!(result(value)),
  };
}

test('scrapes arriving during a collection share it; the next scrape gets a new one', async () => {
  const reader = fakeReader();
  const source = new ExpositionSource(reader.collect);
  const a = source.get();
  const b = source.get();
  assert.equal(reader.calls(), 1);
  reader.release(1);
  const [ea, eb] = await Promise.all([a, b]);
  assert.equal(ea.body, eb.body);
  assert.match(ea.body.toString(), /^x\{k="v"\} 1$/m);
  const c = source.get();
  assert.equal(reader.calls(), 2);
  reader.release(2);
  assert.match((await c).body.toString(), /^x\{k="v"\} 2$/m);
});

test('a body still held is not overwritten by the next collection; once released its buffer is reused', async () => {
  const reader = fakeReader();
  const source = new ExpositionSource(reader.collect);
  const first = source.get();
  reader.release(111);
  const held = await first;
  const heldText = held.body.toString();
  const second = source.get();
  reader.release(222);
  const next = await second;
  assert.equal(held.body.toString(), heldText, 'the held body is intact');
  assert.notEqual(next.body.buffer, held.body.buffer);
  held.release();
  held.release(); // twice is harmless
  next.release();
  const third = source.get();
  reader.release(333);
  const reused = await third;
  assert.ok(reused.body.buffer === held.body.buffer || reused.body.buffer === next.body.buffer, 'a released buffer is written again');
  assert.match(reused.body.toString(), /^x\{k="v"\} 333$/m);
});

test('gzipped() is the body compressed, made once for the scrapes sharing a collection', async () => {
  const reader = fakeReader();
  const source = new ExpositionSource(reader.collect);
  const a = source.get();
  const b = source.get();
  reader.release(7);
  const [ea, eb] = await Promise.all([a, b]);
  const za = ea.gzipped();
  assert.equal(za, eb.gzipped());
  assert.deepEqual(gunzipSync(await za), ea.body);
});

test('a failed collection rejects every scrape that shared it, and the next one collects again', async () => {
  const source = new ExpositionSource(() => Promise.reject(new Error('boom')));
  await assert.rejects(Promise.all([source.get(), source.get()]), /boom/);
  await assert.rejects(source.get(), /boom/);
});
