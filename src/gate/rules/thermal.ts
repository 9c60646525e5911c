/**
 * The thermal prediction: the steady-state temperature at the proposed weight must stay at or
 * under temperature_max - margin. Without a model (nothing configured, too little learned) the
 * conservative rule applies instead: steps of at most CONSERVATIVE_STEP_PCT, and only while the
 * zone is below the hysteresis band and has CONSERVATIVE_POWER_HEADROOM of its budget free.
 */
import { tripPoint } from './temperature.ts';
import { CONSERVATIVE_POWER_HEADROOM, CONSERVATIVE_STEP_PCT, hasModel, temperatureAt, thermalCeiling } from '../thermal-model.ts';
import { pass, reason, round, type RuleOutcome, type WeightStep, type ZoneView } from '../zone-view.ts';

export function thermalRule(view: ZoneView, step: WeightStep): RuleOutcome {
  if (view.state.temperature === null || step.proposed <= step.current) return pass;
  const l = view.zone.limits;
  if (!hasModel(view)) return conservative(view, step);
  const ceiling = thermalCeiling(view, step);
  if (ceiling >= step.proposed) return { reasons: [], ceiling, retryAfterS: 0 };
  const predicted = temperatureAt(view, step, step.proposed)!;
  return {
    reasons: [reason(view.zone.id, 'thermal', 'VERDICT_HOLD', { observed: round(predicted), limit: tripPoint(l), unit: 'Cel', message: `predicted steady state ${round(predicted)} Cel at weight ${step.proposed} exceeds limit - margin ${tripPoint(l)} Cel (${view.model.source} model); room for weight ${round(ceiling)}` })],
    ceiling,
    retryAfterS: Math.max(5, view.model.tau_s / 10),
  };
}

function conservative(view: ZoneView, step: WeightStep): RuleOutcome {
  const l = view.zone.limits;
  const t = view.state.temperature!;
  const band = tripPoint(l) - l.hysteresis;
  const p = view.state.power;
  const roomy = t < band && p !== null && p + view.reservedW <= (1 - CONSERVATIVE_POWER_HEADROOM) * l.power_budget;
  const ceiling = roomy ? step.current + CONSERVATIVE_STEP_PCT : step.current;
  if (ceiling >= step.proposed) return { reasons: [], ceiling, retryAfterS: 0 };
  const why = roomy
    ? `no thermal model for this zone (${view.model.note || 'none configured, too little learned'}): steps of at most ${CONSERVATIVE_STEP_PCT} weight points`
    : `no thermal model for this zone and no comfortable room (temperature under ${band} Cel and ${CONSERVATIVE_POWER_HEADROOM * 100} % of the power budget free needed)`;
  return {
    reasons: [reason(view.zone.id, 'model', 'VERDICT_HOLD', { observed: step.proposed - step.current, limit: roomy ? CONSERVATIVE_STEP_PCT : 0, unit: '%', message: why })],
    ceiling,
    retryAfterS: 60,
  };
}
