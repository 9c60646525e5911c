/** Runs every rule on one zone and predicts the zone's state at the proposed weight. */
import type { ZonePrediction } from './proto-types.ts';
import { energyRegressionRule, type RolloutCost } from './rules/energy-regression.ts';
import { powerRule } from './rules/power.ts';
import { rateOfRiseRule } from './rules/rate-of-rise.ts';
import { signalHealthRule } from './rules/signal-health.ts';
import { temperatureRule } from './rules/temperature.ts';
import { thermalRule } from './rules/thermal.ts';
import { powerAt, secondsToLimit, temperatureAt } from './thermal-model.ts';
import { composeVerdict } from './verdict.ts';
import { round, type RuleOutcome, type WeightStep, type ZoneView } from './zone-view.ts';

export interface ZoneEvaluation {
  outcomes: RuleOutcome[];
  prediction: ZonePrediction;
}

export function evaluateZone(view: ZoneView, step: WeightStep, cost?: RolloutCost): ZoneEvaluation {
  const outcomes = [
    signalHealthRule(view, step),
    temperatureRule(view, step),
    powerRule(view, step),
    thermalRule(view, step),
    rateOfRiseRule(view, step),
    energyRegressionRule(view, step, cost),
  ];
  const zoneCeiling = composeVerdict(step, outcomes).maxSafeWeight;
  const tss = temperatureAt(view, step, step.proposed);
  const pss = powerAt(view, step, step.proposed);
  const prediction: ZonePrediction = {
    zone: view.zone.id,
    current_temperature: view.state.temperature ?? 0,
    current_power: view.state.power ?? 0,
    steady_state_temperature: tss === undefined ? 0 : round(tss, 3),
    steady_state_power: pss === undefined ? 0 : round(pss, 1),
    max_safe_weight: zoneCeiling,
    reserved_power: round(view.reservedW, 1),
    model: view.model,
  };
  const ttl = secondsToLimit(view, step, step.proposed);
  if (ttl !== undefined) {
    prediction.seconds_to_limit = round(ttl, 1);
    prediction._seconds_to_limit = 'seconds_to_limit';
  }
  return { outcomes, prediction };
}
