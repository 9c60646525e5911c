/**
 * Temperature now against the limit: at or over temperature_max -> DENY (roll back); at or over
 * temperature_max - margin trips the zone (HOLD), and it stays tripped until the temperature falls
 * below the trip point by the hysteresis, so a reading hovering at the threshold cannot flap.
 */
import type { ZoneLimits } from '../../config/schema.ts';
import { hasModel, secondsToCool, thermalCeiling } from '../thermal-model.ts';
import { pass, reason, round, type RuleOutcome, type WeightStep, type ZoneView } from '../zone-view.ts';

export function tripPoint(l: ZoneLimits): number {
  return l.temperature_max - l.temperature_margin;
}

/** Next hysteresis state: trip at the trip point, clear only below trip point - hysteresis. */
export function nextTripped(tripped: boolean, temperature: number | null, l: ZoneLimits): boolean {
  if (temperature === null) return tripped;
  if (temperature >= tripPoint(l)) return true;
  if (tripped && temperature >= tripPoint(l) - l.hysteresis) return true;
  return false;
}

export function temperatureRule(view: ZoneView, step: WeightStep): RuleOutcome {
  const t = view.state.temperature;
  const l = view.zone.limits;
  if (t === null) return pass;
  const hottest = hottestSignal(view);
  if (t >= l.temperature_max) {
    return {
      reasons: [reason(view.zone.id, 'temperature', 'VERDICT_DENY', { signal: hottest, observed: round(t), limit: l.temperature_max, unit: 'Cel', message: `${hottest} at ${round(t)} Cel is at or over the limit ${l.temperature_max} Cel at the current weight` })],
      ceiling: hasModel(view) ? Math.min(step.current, thermalCeiling(view, step)) : step.current,
      retryAfterS: 0,
    };
  }
  if (!view.tripped || step.proposed <= step.current) return pass;
  const clear = tripPoint(l) - l.hysteresis;
  const cool = secondsToCool(view, clear);
  return {
    reasons: [reason(view.zone.id, 'temperature', 'VERDICT_HOLD', { signal: hottest, observed: round(t), limit: tripPoint(l), unit: 'Cel', message: `${hottest} at ${round(t)} Cel tripped limit - margin (${tripPoint(l)} Cel); clears below ${clear} Cel` })],
    ceiling: step.current,
    retryAfterS: cool !== undefined && cool > 0 ? cool : view.model.tau_s / 4,
  };
}

function hottestSignal(view: ZoneView): string {
  let best = '';
  let max = -Infinity;
  for (const id of view.zone.temperature) {
    const s = view.signals.get(id);
    if (s && s.value !== null && s.quality !== 'bad' && s.value > max) {
      max = s.value;
      best = id;
    }
  }
  return best;
}
