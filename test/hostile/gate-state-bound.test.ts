/**
 * A caller that invents a new rollout name and request id for every Evaluate: the gate's
 * per-rollout state (idempotency cache, rollout tracker, reservation ledger) stays bounded, and
 * reserved watts are never dropped to get there (folded, not forgotten).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_RESERVATIONS_PER_ZONE, ReservationLedger } from '../../src/gate/reservations.ts';
import { plant, rollout, settle } from '../gate/fixtures.ts';
import { heapAfterGc } from './heap.ts';

test('the reservation ledger folds past its bound: total reserved watts kept, entry count capped', () => {
  const ledger = new ReservationLedger(60_000);
  const n = MAX_RESERVATIONS_PER_ZONE * 3;
  for (let i = 0; i < n; i++) ledger.reserve('z', `ns/r${i}`, 1, 1000);
  assert.equal(ledger.reservedW('z'), n);
  const list = (ledger as unknown as { zones: Map<string, { list: unknown[] }> }).zones.get('z')!.list;
  assert.ok(list.length <= MAX_RESERVATIONS_PER_ZONE, `${list.length} entries`);
  // The newest rollouts keep their own reservation (Release still frees it).
  assert.deepEqual(ledger.release(`ns/r${n - 1}`, undefined), { released: 1, releasedW: 1 });
  assert.equal(ledger.reservedW('z'), n - 1);
  // Everything still expires at the TTL.
  ledger.observe('z', null, 1000 + 60_001);
  assert.equal(ledger.reservedW('z'), 0);
});

test('25 000 invented rollouts: heap plateaus (the second half adds < 3 MB), every answer a verdict', () => {
  const p = plant();
  settle(p, 2);
  const pad = 'x'.repeat(200);
  const run = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const d = p.engine.evaluate(rollout(`r${i}-${pad}`, 0, 1e-6, { request_id: `id-${i}-${pad.slice(0, 100)}` }));
      assert.ok(['VERDICT_ALLOW', 'VERDICT_HOLD', 'VERDICT_DENY'].includes(d.verdict as string));
    }
  };
  run(0, 12_500); // past every cap (10 000 ids and rollouts, 1024 reservations a zone)
  const mid = heapAfterGc();
  run(12_500, 25_000);
  const end = heapAfterGc();
  assert.ok(end - mid < 3 * 1024 * 1024, `heap grew ${Math.round((end - mid) / 1024)} KiB over the second 12 500 rollouts`);
});
