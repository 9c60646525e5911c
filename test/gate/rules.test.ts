/** Each rule on its own, at its edge (pure functions of a ZoneView and a weight step). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signalHealthRule } from '../../src/gate/rules/signal-health.ts';
import { nextTripped, temperatureRule } from '../../src/gate/rules/temperature.ts';
import { powerRule } from '../../src/gate/rules/power.ts';
import { thermalRule } from '../../src/gate/rules/thermal.ts';
import { rateOfRiseRule } from '../../src/gate/rules/rate-of-rise.ts';
import { energyRegressionRule } from '../../src/gate/rules/energy-regression.ts';
import { composeVerdict } from '../../src/gate/verdict.ts';
import { view } from './fixtures.ts';

const up = (current: number, proposed: number) => ({ current, proposed });

test('signal health: fresh passes; bad/stale holds naming the signal; a step down is never held for data', () => {
  assert.deepEqual(signalHealthRule(view(), up(0, 10)).reasons, []);
  const stale = signalHealthRule(view({ quality: 'bad' }), up(0, 10));
  assert.equal(stale.reasons.length, 3);
  assert.equal(stale.reasons[0]!.verdict, 'VERDICT_HOLD');
  assert.equal(stale.reasons[0]!.signal, 'a_temp');
  assert.match(stale.reasons[0]!.message, /a_temp: stale/);
  assert.equal(stale.ceiling, 0);
  assert.ok(stale.retryAfterS >= 1);
  assert.deepEqual(signalHealthRule(view({ quality: 'bad' }), up(10, 5)).reasons, []);
  const v = view();
  (v.signals as Map<string, unknown>).delete('a_power');
  assert.match(signalHealthRule(v, up(0, 1)).reasons[0]!.message, /a_power: missing/);
});

test('temperature: DENY at the limit, HOLD while tripped, pass below the trip point', () => {
  assert.equal(temperatureRule(view({ temperature: 35 }), up(10, 10)).reasons[0]!.verdict, 'VERDICT_DENY');
  assert.equal(temperatureRule(view({ temperature: 34.99, tripped: true }), up(10, 11)).reasons[0]!.verdict, 'VERDICT_HOLD');
  assert.deepEqual(temperatureRule(view({ temperature: 32.99 }), up(10, 11)).reasons, []);
  assert.deepEqual(temperatureRule(view({ temperature: 34, tripped: true }), up(10, 9)).reasons, [], 'a step down while tripped is fine');
});

test('hysteresis: a temperature oscillating +-0.2 around the trip point gives one transition', () => {
  const limits = { temperature_max: 35, temperature_margin: 2, hysteresis: 1, power_budget: 1, stale_after_ms: 5000 } as const;
  let tripped = false;
  let transitions = 0;
  for (let i = 0; i < 200; i++) {
    const t = 33 + (i % 2 === 0 ? 0.2 : -0.2);
    const next = nextTripped(tripped, t, limits);
    if (next !== tripped) transitions++;
    tripped = next;
  }
  assert.equal(transitions, 1);
  assert.equal(tripped, true);
  assert.equal(nextTripped(true, 32.01, limits), true, 'still inside the hysteresis band');
  assert.equal(nextTripped(true, 31.99, limits), false, 'clears below trip point - hysteresis');
  assert.equal(nextTripped(false, 32.99, limits), false);
  assert.equal(nextTripped(false, 33, limits), true);
});

test('power: at the budget passes, over it holds with the ceiling; over budget now denies; reservations named', () => {
  assert.deepEqual(powerRule(view(), up(0, 30)).reasons, []);
  const over = powerRule(view(), up(0, 30.5));
  assert.equal(over.reasons[0]!.rule, 'power');
  assert.equal(over.ceiling, 30);
  assert.equal(over.reasons[0]!.observed, 100_500);
  assert.equal(powerRule(view({ power: 100_001 }), up(10, 10)).reasons[0]!.verdict, 'VERDICT_DENY');
  assert.deepEqual(powerRule(view({ power: 100_000 }), up(10, 10)).reasons, []);
  const reserved = powerRule(view({ reservedW: 20_000 }), up(0, 20));
  assert.equal(reserved.reasons[0]!.rule, 'reservation');
  assert.equal(reserved.ceiling, 10);
});

test('thermal: the steady state at the proposed weight must stay under limit - margin', () => {
  // 25 Cel now, 0.1 K per weight point, trip point 33: room for 80 points.
  assert.deepEqual(thermalRule(view(), up(0, 80)).reasons, []);
  const hot = thermalRule(view(), up(0, 81));
  assert.equal(hot.reasons[0]!.rule, 'thermal');
  assert.ok(Math.abs(hot.ceiling - 80) < 1e-9);
  assert.ok(Math.abs(hot.reasons[0]!.observed - 33.1) < 1e-9);
  // A rise leads the steady state: +1 Cel/min with tau 600 s -> T_ss = 25 + 10.
  assert.ok(thermalRule(view({ rise: 1 }), up(0, 1)).reasons.length === 1);
});

test('thermal without a model: conservative steps of 5 points, none when the zone is warm or full', () => {
  assert.deepEqual(thermalRule(view({ thermal: null }), up(0, 5)).reasons, []);
  const big = thermalRule(view({ thermal: null }), up(0, 6));
  assert.equal(big.reasons[0]!.rule, 'model');
  assert.equal(big.ceiling, 5);
  assert.equal(thermalRule(view({ thermal: null, temperature: 32.5 }), up(0, 1)).ceiling, 0);
  assert.equal(thermalRule(view({ thermal: null, power: 95_000 }), up(0, 1)).ceiling, 0);
});

test('rate of rise: at the limit passes, above holds, unknown holds (fail closed)', () => {
  const limits = { max_rise_per_min: 1.5 };
  assert.deepEqual(rateOfRiseRule(view({ limits, rise: 1.5 }), up(0, 5)).reasons, []);
  assert.equal(rateOfRiseRule(view({ limits, rise: 1.51 }), up(0, 5)).reasons[0]!.rule, 'rate_of_rise');
  assert.match(rateOfRiseRule(view({ limits }), up(0, 5)).reasons[0]!.message, /not known yet/);
  assert.deepEqual(rateOfRiseRule(view({ rise: 99 }), up(0, 5)).reasons, [], 'no limit configured');
});

test('energy regression: a canary over max_canary_power_ratio times the stable cost holds with the figure', () => {
  const limits = { max_canary_power_ratio: 1.3 };
  assert.deepEqual(energyRegressionRule(view({ limits }), up(10, 20), { baselineWPerPct: 1000, observedWPerPct: 1300, spanPct: 10 }).reasons, []);
  const r = energyRegressionRule(view({ limits }), up(10, 20), { baselineWPerPct: 1000, observedWPerPct: 1500, spanPct: 10 });
  assert.equal(r.reasons[0]!.rule, 'energy_regression');
  assert.equal(r.reasons[0]!.observed, 1.5);
  assert.match(r.reasons[0]!.message, /1500 W per weight point.*1\.5x/);
  assert.deepEqual(energyRegressionRule(view({ limits }), up(10, 20), { baselineWPerPct: 1000, observedWPerPct: undefined, spanPct: 2 }).reasons, []);
});

test('verdict: DENY beats HOLD beats ALLOW; max_safe_weight never above the request', () => {
  const v = view();
  assert.deepEqual(composeVerdict(up(0, 20), [powerRule(v, up(0, 20))]), { verdict: 'VERDICT_ALLOW', reasons: [], maxSafeWeight: 20, retryAfterS: 0 });
  const hold = composeVerdict(up(0, 40), [powerRule(v, up(0, 40)), thermalRule(v, up(0, 40))]);
  assert.equal(hold.verdict, 'VERDICT_HOLD');
  assert.equal(hold.maxSafeWeight, 30);
  assert.equal(hold.retryAfterS, 60);
  const deny = composeVerdict(up(10, 20), [temperatureRule(view({ temperature: 36 }), up(10, 20)), powerRule(v, up(10, 50))]);
  assert.equal(deny.verdict, 'VERDICT_DENY');
  assert.equal(deny.retryAfterS, 0);
});
