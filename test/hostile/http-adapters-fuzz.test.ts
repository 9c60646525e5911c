/**
 * Hostile bodies at the HTTP adapters (Flagger webhooks, Argo web metric): 300 seeded mutated
 * payloads, 10 MB bodies (declared and chunked, 40 of them), slow senders holding connections.
 * Answers are 2xx/4xx (never 5xx, never a dropped request for a whole body), the heap does not keep
 * what was sent, and valid requests are answered while slow senders hang on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { Prng } from '../../src/sim/prng.ts';
import { flaggerPayload, serveHttp } from '../api/http-harness.ts';
import { heapAfterGc } from './heap.ts';

const paths = ['/flagger/confirm-traffic-increase', '/flagger/rollout', '/flagger/rollback', '/flagger/confirm-rollout', '/argo/v1/evaluate'];
const seedBodies = [
  JSON.stringify(flaggerPayload({ zones: 'hall-a', step_weight: '10', max_weight: '50' })),
  JSON.stringify({ rollout: 'shop/x', zone: 'hall-a', weight: 10, current_weight: 0 }),
];
const junk = ['null', 'NaN', '1e999', '-0', '"x"', '[]', '{}', '{"__proto__":{"polluted":1}}', '"\\u0000"', 'true', '[[[[[[[[[[]]]]]]]]]]', '"' + 'a'.repeat(3000) + '"', '{"constructor":{"prototype":{"x":1}}}'];

function mutate(text: string, rng: Prng): string {
  const pos = Math.floor(rng.next() * text.length);
  switch (Math.floor(rng.next() * 6)) {
    case 0:
      return text.slice(0, pos);
    case 1:
      return text.slice(0, pos) + String.fromCharCode(Math.floor(rng.next() * 256)) + text.slice(pos + 1);
    case 2: {
      // Replace a JSON value after a colon with junk.
      const colons = [...text.matchAll(/:/g)].map((m) => m.index);
      const at = colons[Math.floor(rng.next() * colons.length)] ?? pos;
      const end = text.slice(at + 1).search(/[,}]/);
      return `${text.slice(0, at + 1)}${junk[Math.floor(rng.next() * junk.length)]}${end < 0 ? '' : text.slice(at + 1 + end)}`;
    }
    case 3:
      return junk[Math.floor(rng.next() * junk.length)]!;
    case 4:
      return '['.repeat(50_000) + ']'.repeat(50_000);
    default:
      return text.replace(/"(\w+)":/, `"${'k'.repeat(Math.floor(rng.next() * 100))}":`);
  }
}

test('300 seeded mutated adapter payloads: 2xx/4xx with a JSON error, never 5xx; nothing polluted', async (t) => {
  const s = await serveHttp(t);
  s.feed({});
  const rng = new Prng(4242);
  const tally: Record<number, number> = {};
  for (let i = 0; i < 300; i++) {
    const path = paths[i % paths.length]!;
    const body = mutate(seedBodies[i % 2]!, rng);
    const res = await fetch(`${s.base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    tally[res.status] = (tally[res.status] ?? 0) + 1;
    assert.ok(res.status < 500, `${path} ${body.slice(0, 120)}: ${res.status}`);
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status >= 400 && res.status !== 403) assert.equal(typeof json['error'], 'string', `${path}: ${JSON.stringify(json).slice(0, 200)}`);
  }
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined, 'prototype pollution');
  t.diagnostic(`statuses ${JSON.stringify(tally)}`);
});

test('40 bodies of 10 MB (declared and chunked): 413 each, heap keeps none of it, the server answers after', async (t) => {
  const s = await serveHttp(t);
  s.feed({});
  const ten = Buffer.alloc(10 * 1024 * 1024, 0x61);
  const send = async (chunked: boolean): Promise<number> => {
    const req = request(`${s.base}/flagger/rollout`, { method: 'POST', headers: chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(ten.length) } });
    req.on('error', () => {}); // the server may close while we still write: that is the point
    const response = once(req, 'response') as Promise<[IncomingMessage]>;
    for (let off = 0; off < ten.length && !req.destroyed; off += 1024 * 1024) {
      if (!req.write(ten.subarray(off, off + 1024 * 1024))) await Promise.race([once(req, 'drain'), response]);
      if ((req as unknown as { res?: unknown }).res) break;
    }
    const [res] = await response;
    res.resume();
    req.destroy();
    return res.statusCode!;
  };
  for (let i = 0; i < 4; i++) assert.equal(await send(i % 2 === 0), 413);
  const before = heapAfterGc();
  for (let i = 0; i < 40; i++) assert.equal(await send(i % 2 === 0), 413);
  const after = heapAfterGc();
  t.diagnostic(`heap ${Math.round(before / 1024)} KiB -> ${Math.round(after / 1024)} KiB after 40 x 10 MB offered (each cut off at the 64 KiB bound)`);
  assert.ok(after - before < 4 * 1024 * 1024, `heap grew ${after - before} bytes`);
  const ok = await fetch(`${s.base}/argo/v1/evaluate?zone=hall-a&rollout=shop/x&weight=5`);
  assert.equal(ok.status, 200);
});

test('30 slow senders (headers and bodies trickling) do not stop valid requests being answered', async (t) => {
  const s = await serveHttp(t);
  s.feed({});
  const port = Number(new URL(s.base).port);
  const slow = await Promise.all(
    Array.from({ length: 30 }, async (_, i) => {
      const sock = connect(port, '127.0.0.1');
      await once(sock, 'connect');
      sock.on('error', () => {});
      sock.write(i % 2 === 0 ? 'POST /flagger/rollout HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{"na' : 'POST /flagger/rollout HTTP/1.1\r\nHost: x\r\nX-Slow: ');
      return sock;
    }),
  );
  t.after(() => slow.forEach((s) => s.destroy()));
  const timer = setInterval(() => slow.forEach((s) => s.write('a')), 100);
  t.after(() => clearInterval(timer));
  for (let i = 0; i < 20; i++) {
    const res = await fetch(`${s.base}/argo/v1/evaluate?zone=hall-a&rollout=shop/x&weight=5`);
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  }
});
