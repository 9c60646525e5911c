/** The spool on its own: order, PUBACK-only removal, bounds (bytes, age), restart, torn tail. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../../src/log.ts';
import { Spool } from '../../src/export/mqtt-spool.ts';
import type { OutboundMessage } from '../../src/export/mqtt-record.ts';
import { tempDir } from './mqtt-peers.ts';

const log = createLogger({ level: 'silent' });
const msg = (i: number, ts = Date.now()): OutboundMessage => ({ topic: `t/${i}`, payload: Buffer.from(JSON.stringify({ i, pad: 'x'.repeat(100) })), qos: 1, retain: false, sparkplugSeq: false, ts });
const index = (m: { payload: Buffer }): number => (JSON.parse(m.payload.toString()) as { i: number }).i;

async function readAll(s: Spool): Promise<{ id: number; payload: Buffer }[]> {
  const out: { id: number; payload: Buffer }[] = [];
  for (;;) {
    const got = await s.read(100);
    if (got.length === 0) return out;
    out.push(...got);
  }
}

test('in order; a message stays until acknowledged; rewind resends from the first unacknowledged', async (t) => {
  const s = await Spool.open({ dir: tempDir(t), maxBytes: 1 << 20, maxAgeMs: 3_600_000, log, segmentBytes: 2048 });
  t.after(() => s.close());
  for (let i = 0; i < 50; i++) s.append(msg(i));
  assert.equal(s.depth(), 50);
  await s.flush();
  const first = await readAll(s);
  assert.deepEqual(first.map(index), [...Array(50).keys()]);
  for (const m of first.slice(0, 20)) s.ack(m.id);
  s.ack(first[30]!.id); // out of order: does not move the cursor past 20
  assert.equal(s.depth(), 30);
  s.rewind();
  const again = await readAll(s);
  assert.deepEqual(again.map(index), [...Array(30).keys()].map((i) => i + 20));
  for (const m of again) s.ack(m.id);
  assert.equal(s.depth(), 0);
});

test('restart keeps unacknowledged messages; acknowledged ones are not replayed', async (t) => {
  const dir = tempDir(t);
  const a = await Spool.open({ dir, maxBytes: 1 << 20, maxAgeMs: 3_600_000, log, segmentBytes: 2048 });
  for (let i = 0; i < 40; i++) a.append(msg(i));
  await a.flush();
  for (const m of (await readAll(a)).slice(0, 15)) a.ack(m.id);
  await a.close();
  const b = await Spool.open({ dir, maxBytes: 1 << 20, maxAgeMs: 3_600_000, log, segmentBytes: 2048 });
  t.after(() => b.close());
  assert.equal(b.depth(), 25);
  for (let i = 40; i < 45; i++) b.append(msg(i));
  await b.flush();
  assert.deepEqual((await readAll(b)).map(index), [...Array(30).keys()].map((i) => i + 15));
});

test('past spool_max_bytes the oldest go first, counted', async (t) => {
  const dir = tempDir(t);
  const drops: [number, string][] = [];
  const s = await Spool.open({ dir, maxBytes: 16 * 1024, maxAgeMs: 3_600_000, log, segmentBytes: 2048, onDrop: (n, r) => drops.push([n, r]) });
  t.after(() => s.close());
  for (let i = 0; i < 1000; i++) {
    s.append(msg(i));
    if (i % 10 === 9) await s.flush();
  }
  await s.flush();
  assert.ok(s.diskBytes() <= 16 * 1024, `disk ${s.diskBytes()} within the bound`);
  const kept = (await readAll(s)).map(index);
  const dropped = drops.reduce((n, [c]) => n + c, 0);
  assert.ok(dropped > 0);
  assert.ok(drops.every(([, r]) => r === 'bytes'));
  assert.equal(s.droppedTotal, dropped);
  assert.equal(kept.length + dropped, 1000, 'every message is either kept or counted as dropped');
  assert.deepEqual(kept, [...Array(kept.length).keys()].map((i) => i + dropped), 'the newest are kept, in order');
});

test('past spool_max_age_s old segments go, counted', async (t) => {
  let now = 1_000_000;
  const drops: [number, string][] = [];
  const s = await Spool.open({ dir: tempDir(t), maxBytes: 1 << 20, maxAgeMs: 60_000, log, segmentBytes: 1024, clock: () => now, onDrop: (n, r) => drops.push([n, r]) });
  t.after(() => s.close());
  for (let i = 0; i < 20; i++) s.append(msg(i, now));
  await s.flush();
  now += 120_000;
  for (let i = 20; i < 25; i++) s.append(msg(i, now));
  await s.flush();
  const kept = (await readAll(s)).map(index);
  assert.deepEqual(kept, [20, 21, 22, 23, 24]);
  assert.deepEqual(drops, [[20, 'age']]);
});

test('a torn record at the end (crash mid-write) is cut; everything before it survives', async (t) => {
  const dir = tempDir(t);
  const a = await Spool.open({ dir, maxBytes: 1 << 20, maxAgeMs: 3_600_000, log });
  for (let i = 0; i < 10; i++) a.append(msg(i));
  await a.close();
  const seg = readdirSync(dir).find((n) => n.endsWith('.seg'))!;
  appendFileSync(join(dir, seg), Buffer.from([0, 0, 0, 200, 1, 2, 3]));
  const b = await Spool.open({ dir, maxBytes: 1 << 20, maxAgeMs: 3_600_000, log });
  t.after(() => b.close());
  b.append(msg(10));
  await b.flush();
  assert.deepEqual((await readAll(b)).map(index), [...Array(11).keys()]);
});
