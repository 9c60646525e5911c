/**
 * Property (seeded random, many cases): max_safe_weight never yields a predicted steady state over
 * limit - margin (nor power over the budget), and it is monotone in the limit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateZone } from '../../src/gate/evaluate-zone.ts';
import { composeVerdict } from '../../src/gate/verdict.ts';
import { powerAt, temperatureAt } from '../../src/gate/thermal-model.ts';
import type { ZoneView } from '../../src/gate/zone-view.ts';
import { view } from './fixtures.ts';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = 20261129;
const CASES = 2000;

function withLimit(v: ZoneView, temperatureMax: number, budget: number): ZoneView {
  return { ...v, zone: { ...v.zone, limits: { ...v.zone.limits, temperature_max: temperatureMax, power_budget: budget } } };
}

test(`max_safe_weight keeps the predicted steady state under limit - margin and is monotone in the limit (${CASES} cases, seed ${SEED})`, () => {
  const rnd = mulberry32(SEED);
  const base = view();
  for (let i = 0; i < CASES; i++) {
    const v0: ZoneView = {
      ...base,
      state: { ...base.state, temperature: 15 + rnd() * 20, power: rnd() * 90_000 },
      risePerMin: rnd() < 0.5 ? (rnd() - 0.3) * 2 : undefined,
      reservedW: rnd() < 0.3 ? rnd() * 20_000 : 0,
      model: { ...base.model, tau_s: 60 + rnd() * 1200, kelvin_per_watt: rnd() * 0.0005, watts_per_weight_pct: rnd() * 3000 },
    };
    const current = Math.round(rnd() * 100 * 100) / 100;
    const proposed = current + Math.round(rnd() * (100 - current) * 100) / 100;
    const step = { current, proposed };
    const tMax = 30 + rnd() * 15;
    const budget = 60_000 + rnd() * 60_000;
    const margin = v0.zone.limits.temperature_margin;
    const v = withLimit(v0, tMax, budget);
    const safe = composeVerdict(step, evaluateZone(v, step).outcomes).maxSafeWeight;
    const ctx = JSON.stringify({ i, tMax, budget, step, t: v.state.temperature, p: v.state.power, safe });
    assert.ok(safe <= proposed, ctx);
    if (safe > 0) {
      assert.ok(temperatureAt(v, step, safe)! <= tMax - margin + 1e-9, `thermal ${ctx}`);
      assert.ok(powerAt(v, step, safe)! <= budget + 1e-6, `power ${ctx}`);
    }
    // A looser limit (temperature and budget) never lowers max_safe_weight.
    const looser = withLimit(v0, tMax + rnd() * 5, budget + rnd() * 20_000);
    const safe2 = composeVerdict(step, evaluateZone(looser, step).outcomes).maxSafeWeight;
    assert.ok(safe2 >= safe, `monotone ${ctx} -> ${safe2}`);
  }
});
