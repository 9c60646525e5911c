/**
 * Temperature rising faster than limits.max_rise_per_min -> HOLD. Fail closed: with the limit
 * set and too little history to know the rate (just after start), the weight does not go up.
 */
import { pass, reason, round, type RuleOutcome, type WeightStep, type ZoneView } from '../zone-view.ts';

export const RISE_RETRY_S = 60;

export function rateOfRiseRule(view: ZoneView, step: WeightStep): RuleOutcome {
  const max = view.zone.limits.max_rise_per_min;
  if (max === undefined || step.proposed <= step.current) return pass;
  const rise = view.risePerMin;
  if (rise === undefined) {
    return {
      reasons: [reason(view.zone.id, 'rate_of_rise', 'VERDICT_HOLD', { observed: 0, limit: max, unit: 'Cel/min', message: 'rate of rise not known yet (too little temperature history)' })],
      ceiling: step.current,
      retryAfterS: 10,
    };
  }
  if (rise <= max) return pass;
  return {
    reasons: [reason(view.zone.id, 'rate_of_rise', 'VERDICT_HOLD', { observed: round(rise, 3), limit: max, unit: 'Cel/min', message: `temperature rising ${round(rise, 3)} Cel/min, faster than ${max} Cel/min` })],
    ceiling: step.current,
    retryAfterS: RISE_RETRY_S,
  };
}
