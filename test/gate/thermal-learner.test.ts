/** The online model: fits a simulated first-order zone, says how sure it is, and falls back when unsure. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ThermalLearner } from '../../src/gate/thermal-learner.ts';
import { resolveModel } from '../../src/gate/model-resolver.ts';
import { plantConfig } from './fixtures.ts';

test('learns tau, K/W, ambient and W per weight point from a simulated zone', () => {
  const tau = 400;
  const k = 0.0002;
  const ambient = 20;
  const wpp = 800;
  const dt = 5;
  const learner = new ThermalLearner({ sampleMs: dt * 1000 });
  let temp = 30;
  let weight = 0;
  for (let i = 0; i < 600; i++) {
    if (i % 60 === 0) weight = (i / 60) % 2 === 0 ? 10 + i / 20 : 0;
    const power = 40_000 + wpp * weight;
    learner.sample(i * dt * 1000, temp, power, weight);
    const tss = ambient + k * power;
    temp = tss + (temp - tss) * Math.exp(-dt / tau);
  }
  const fit = learner.fit();
  assert.ok(Math.abs(fit.tauS! - tau) / tau < 0.02, `tau ${fit.tauS}`);
  assert.ok(Math.abs(fit.kelvinPerWatt! - k) / k < 0.02, `K ${fit.kelvinPerWatt}`);
  assert.ok(Math.abs(fit.ambient! - ambient) < 0.5, `ambient ${fit.ambient}`);
  assert.ok(Math.abs(fit.wattsPerWeightPct! - wpp) / wpp < 0.02, `W/% ${fit.wattsPerWeightPct}`);
  assert.ok(fit.thermalConfidence > 0.9 && fit.wppConfidence > 0.9);
  const zone = plantConfig({ thermal: null }).zones[0]!;
  const m = resolveModel(zone, fit);
  assert.equal(m.source, 'learned');
  assert.equal(m.samples, 600);
});

test('too little data: the configured model, else the conservative rules, saying which', () => {
  const fit = new ThermalLearner().fit();
  assert.equal(resolveModel(plantConfig().zones[0]!, fit).source, 'config');
  const none = resolveModel(plantConfig({ thermal: null }).zones[0]!, fit);
  assert.equal(none.source, 'conservative');
  assert.equal(none.confidence, 0);
  assert.match(none.note, /too little data/);
});
