/**
 * Zone power now and predicted at the proposed weight against the budget. Over budget now ->
 * DENY. A prediction over budget -> HOLD, named `reservation` when only other ALLOWs' reserved
 * steps (not yet measured) take the room, `power` otherwise.
 */
import { hasModel, powerAt, powerCeiling } from '../thermal-model.ts';
import { pass, reason, round, type RuleOutcome, type WeightStep, type ZoneView } from '../zone-view.ts';

export const POWER_RETRY_S = 60;

export function powerRule(view: ZoneView, step: WeightStep): RuleOutcome {
  const p = view.state.power;
  const budget = view.zone.limits.power_budget;
  if (p === null) return pass;
  if (p > budget) {
    return {
      reasons: [reason(view.zone.id, 'power', 'VERDICT_DENY', { observed: round(p), limit: budget, unit: 'W', message: `zone power ${round(p)} W is over the budget ${budget} W at the current weight` })],
      // How far back the model says the weight has to go (never up).
      ceiling: Math.min(step.current, powerCeiling(view, step)),
      retryAfterS: 0,
    };
  }
  if (step.proposed <= step.current || (!hasModel(view) && view.model.watts_per_weight_pct <= 0)) return pass;
  const ceiling = powerCeiling(view, step);
  if (ceiling >= step.proposed) return { reasons: [], ceiling, retryAfterS: 0 };
  const predicted = powerAt(view, step, step.proposed)!;
  const withoutReservations = predicted - view.reservedW;
  const byReservation = view.reservedW > 0 && withoutReservations <= budget;
  const msg = byReservation
    ? `predicted ${round(predicted)} W at weight ${step.proposed} exceeds the budget ${budget} W only with ${round(view.reservedW)} W reserved by ALLOWs not yet measured; room for weight ${round(ceiling)}`
    : `predicted ${round(predicted)} W at weight ${step.proposed} exceeds the budget ${budget} W; room for weight ${round(ceiling)}`;
  return {
    reasons: [reason(view.zone.id, byReservation ? 'reservation' : 'power', 'VERDICT_HOLD', { observed: round(predicted), limit: budget, unit: 'W', message: msg })],
    ceiling,
    retryAfterS: byReservation ? Math.max(1, Math.min(view.reservationRetryS, POWER_RETRY_S)) : POWER_RETRY_S,
  };
}
