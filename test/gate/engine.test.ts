/** The engine over a real SignalStore fed through ReadingSink with an injected clock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GateRequestError } from '../../src/gate/request.ts';
import { plant, plantConfig, rollout, settle } from './fixtures.ts';

test('ALLOW reserves its step: two canaries asking +20 each into room for +30 get one ALLOW and one HOLD', () => {
  const p = plant();
  settle(p, 2);
  const a = p.engine.evaluate(rollout('a', 0, 20));
  assert.equal(a.verdict, 'VERDICT_ALLOW');
  const b = p.engine.evaluate(rollout('b', 0, 20));
  assert.equal(b.verdict, 'VERDICT_HOLD');
  assert.equal(b.max_safe_weight, 10);
  assert.equal(b.reasons[0]!.rule, 'reservation');
  assert.equal(b.predictions[0]!.reserved_power, 20_000);
  // The step shows in the measurements: the reservation is used up, b now sees plain power limits.
  p.advance(1000);
  p.feed({ a_power: 90_000 });
  const b2 = p.engine.evaluate(rollout('b', 0, 20));
  assert.equal(b2.verdict, 'VERDICT_HOLD');
  assert.equal(b2.reasons[0]!.rule, 'power');
  assert.equal(b2.max_safe_weight, 10);
  assert.equal(p.engine.evaluate(rollout('b', 0, 10)).verdict, 'VERDICT_ALLOW');
});

test('Release frees a reservation; the TTL expires one', () => {
  const p = plant(plantConfig({ gate: { reservation_ttl_s: 60 } }));
  settle(p, 2);
  assert.equal(p.engine.evaluate(rollout('a', 0, 20)).verdict, 'VERDICT_ALLOW');
  assert.equal(p.engine.evaluate(rollout('b', 0, 20)).verdict, 'VERDICT_HOLD');
  assert.deepEqual(p.engine.release({ rollout: { namespace: 'shop', name: 'a' }, zones: [], reason: 'rolled_back' }), { released: 1, released_power: 20_000 });
  assert.equal(p.engine.evaluate(rollout('b', 0, 20, { dry_run: true })).verdict, 'VERDICT_ALLOW');
  assert.equal(p.engine.evaluate(rollout('b', 0, 20)).verdict, 'VERDICT_ALLOW');
  assert.equal(p.engine.evaluate(rollout('c', 0, 20)).verdict, 'VERDICT_HOLD');
  p.advance(61_000);
  p.feed({});
  assert.equal(p.engine.evaluate(rollout('c', 0, 20)).verdict, 'VERDICT_ALLOW', 'b reservation expired');
});

test('dry_run reserves nothing', () => {
  const p = plant();
  settle(p, 2);
  assert.equal(p.engine.evaluate(rollout('a', 0, 20, { dry_run: true })).verdict, 'VERDICT_ALLOW');
  assert.equal(p.engine.evaluate(rollout('b', 0, 20)).verdict, 'VERDICT_ALLOW');
});

test('stale data holds (fail closed) naming the signal; fresh data again allows', () => {
  const p = plant();
  settle(p, 2);
  p.advance(5001);
  const d = p.engine.evaluate(rollout('a', 0, 5));
  assert.equal(d.verdict, 'VERDICT_HOLD');
  assert.deepEqual(d.reasons.map((r) => r.signal).sort(), ['a_power', 'a_temp', 'a_temp2']);
  assert.match(d.reasons[0]!.message, /stale/);
  assert.equal(d.max_safe_weight, 0);
  assert.ok(d.oldest_input_age_seconds > 5);
  p.feed({});
  assert.equal(p.engine.evaluate(rollout('a', 0, 5)).verdict, 'VERDICT_ALLOW');
});

test('DENY when over a limit at the current weight; HOLD (tripped) inside the margin', () => {
  const p = plant();
  settle(p, 2, { a_temp: 35.2 });
  const deny = p.engine.evaluate(rollout('a', 10, 10));
  assert.equal(deny.verdict, 'VERDICT_DENY');
  assert.equal(deny.reasons[0]!.signal, 'a_temp');
  p.advance(1000);
  p.feed({ a_temp: 33.5 });
  const hold = p.engine.evaluate(rollout('a', 10, 11));
  assert.equal(hold.verdict, 'VERDICT_HOLD');
  assert.equal(hold.reasons[0]!.rule, 'temperature');
  assert.ok(hold.retry_after_seconds > 0);
});

test('hysteresis through the engine: temperature oscillating +-0.2 around the trip point flips the zone once', async (t) => {
  const p = plant();
  await p.engine.start();
  t.after(() => p.engine.stop());
  const flips: boolean[] = [false];
  p.engine.onZoneStatus((s) => s.zone === 'hall-a' && flips.push(s.tripped));
  settle(p, 1);
  for (let i = 0; i < 40; i++) {
    p.advance(1000);
    p.feed({ a_temp: 33 + (i % 2 === 0 ? 0.2 : -0.2) });
    // The engine refreshes zone status on the store's sample notification (setImmediate).
    await new Promise(setImmediate);
  }
  const transitions = flips.filter((x, i) => i > 0 && x !== flips[i - 1]).length;
  assert.equal(transitions, 1);
  assert.equal(p.engine.currentStatus('hall-a')!.tripped, true);
});

test('idempotency: the same request_id gets the same Decision; reuse with other fields is refused', () => {
  const p = plant();
  settle(p, 2);
  const first = p.engine.evaluate(rollout('a', 0, 20, { request_id: 'req-1' }));
  p.feed({ a_power: 99_000 });
  const again = p.engine.evaluate(rollout('a', 0, 20, { request_id: 'req-1' }));
  assert.deepEqual(again, first);
  assert.throws(() => p.engine.evaluate(rollout('a', 0, 25, { request_id: 'req-1' })), (e: unknown) => e instanceof GateRequestError && e.field === 'request_id');
  p.advance(10 * 60_000 + 1);
  p.feed({});
  assert.notEqual(p.engine.evaluate(rollout('a', 0, 20, { request_id: 'req-1' })).decision_id, first.decision_id);
});

test('energy regression: a canary drawing 1.5x the stable cost per weight point is held with the figure', () => {
  const p = plant(plantConfig({ limits: { max_canary_power_ratio: 1.3 } }));
  settle(p, 2);
  let power = 60_000;
  let w = 0;
  for (const next of [5, 10]) {
    p.feed({ a_power: power });
    const d = p.engine.evaluate(rollout('hungry', w, next));
    assert.equal(d.verdict, 'VERDICT_ALLOW', `step to ${next}`);
    p.advance(1000);
    power += (next - w) * 1500; // 1500 W per point: 1.5x the 1000 W/% model
    w = next;
    p.feed({ a_power: power });
  }
  const d = p.engine.evaluate(rollout('hungry', w, 20));
  assert.equal(d.verdict, 'VERDICT_HOLD');
  const r = d.reasons.find((x) => x.rule === 'energy_regression')!;
  assert.equal(r.observed, 1.5);
  assert.equal(r.limit, 1.3);
  // A new revision starts a new baseline.
  assert.equal(p.engine.evaluate(rollout('hungry', w, 20, { canary_revision: 'rev-2' })).verdict, 'VERDICT_ALLOW');
});

test('validation names the field', () => {
  const p = plant();
  const bad = (patch: Record<string, unknown>, field: string): void =>
    assert.throws(() => p.engine.evaluate(rollout('a', 0, 10, patch)), (e: unknown) => e instanceof GateRequestError && e.field === field && e.code === 'LG_GATE_INVALID_ARGUMENT', field);
  bad({ proposed_weight: NaN }, 'proposed_weight');
  bad({ current_weight: -1 }, 'current_weight');
  bad({ proposed_weight: 100.5 }, 'proposed_weight');
  bad({ proposed_weight: undefined }, 'proposed_weight');
  bad({ zones: ['hall-z'] }, 'zones[0]');
  bad({ rollout: null }, 'rollout');
  bad({ rollout: { namespace: 'x'.repeat(254), name: 'a' } }, 'rollout.namespace');
  bad({ request_id: 'r'.repeat(129) }, 'request_id');
});

test('every decision reaches onDecision listeners; empty zones means every zone', () => {
  const p = plant();
  settle(p, 2);
  const seen: string[] = [];
  const off = p.engine.onDecision((d) => seen.push(d.decision_id));
  const d = p.engine.evaluate(rollout('a', 0, 1, { zones: [] }));
  assert.deepEqual(d.zones, ['hall-a', 'hall-b']);
  assert.equal(d.predictions.length, 2);
  off();
  p.engine.evaluate(rollout('a', 0, 1));
  assert.deepEqual(seen, [d.decision_id]);
});
