/**
 * Which thermal model a zone uses, and says so: the configured one (the learned fit, if any, is
 * reported in the note for comparison); else the learned one when confident enough; else the
 * conservative rules (small steps only), keeping a learned watts-per-weight when that part is known.
 */
import type { ZoneConfig } from '../config/schema.ts';
import type { ThermalModel } from './proto-types.ts';
import type { LearnedFit } from './thermal-learner.ts';
import { round } from './zone-view.ts';

export const MIN_LEARNED_CONFIDENCE = 0.6;
/** Nominal time constant for retry estimates when nothing is known (s). */
export const NOMINAL_TAU_S = 600;

export function resolveModel(zone: ZoneConfig, fit: LearnedFit): ThermalModel {
  const th = zone.thermal;
  const learnedNote = fit.tauS !== undefined
    ? `learned tau ${round(fit.tauS, 0)} s, K ${fit.kelvinPerWatt!.toExponential(3)} K/W, ambient ${round(fit.ambient!, 1)} Cel (confidence ${round(fit.thermalConfidence)}), ${fit.wattsPerWeightPct !== undefined ? `${round(fit.wattsPerWeightPct, 1)} W/% (confidence ${round(fit.wppConfidence)})` : 'W/% not learned'}; ${fit.samples} samples`
    : `learned: too little data (${fit.samples} samples)`;
  if (th) {
    const m: ThermalModel = { tau_s: th.tau_s, kelvin_per_watt: th.kelvin_per_watt, watts_per_weight_pct: th.watts_per_weight_pct, source: 'config', confidence: 1, samples: 0, note: learnedNote };
    if (th.ambient !== undefined) {
      m.ambient = th.ambient;
      m._ambient = 'ambient';
    }
    return m;
  }
  const wppOk = fit.wattsPerWeightPct !== undefined && fit.wppConfidence >= MIN_LEARNED_CONFIDENCE;
  const thermalOk = fit.tauS !== undefined && fit.thermalConfidence >= MIN_LEARNED_CONFIDENCE;
  if (wppOk && thermalOk) {
    return {
      tau_s: fit.tauS!,
      kelvin_per_watt: fit.kelvinPerWatt!,
      watts_per_weight_pct: fit.wattsPerWeightPct!,
      ambient: fit.ambient!,
      _ambient: 'ambient',
      source: 'learned',
      confidence: round(Math.min(fit.wppConfidence, fit.thermalConfidence), 3),
      samples: fit.samples,
      note: learnedNote,
    };
  }
  return {
    tau_s: NOMINAL_TAU_S,
    kelvin_per_watt: 0,
    watts_per_weight_pct: wppOk ? fit.wattsPerWeightPct! : 0,
    source: 'conservative',
    confidence: 0,
    samples: fit.samples,
    note: `no thermal config; ${learnedNote}`,
  };
}
