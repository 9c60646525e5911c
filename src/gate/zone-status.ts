/**
 * A zone's standing status (Watch, ListZones, per-zone health): what the gate would say about the
 * zone at the weights in force, without a proposed step.
 */
import type { Verdict, ZoneStatus } from './proto-types.ts';
import { round, type ZoneView } from './zone-view.ts';
import { toTimestamp } from './timestamp.ts';

export function zoneStatus(view: ZoneView): ZoneStatus {
  const z = view.zone;
  const l = z.limits;
  const s = view.state;
  const missing = [...z.temperature, ...z.power].filter((id) => !view.signals.has(id) || view.signals.get(id)!.quality === 'bad');
  const headroom = s.power === null ? 0 : l.power_budget - s.power - view.reservedW;
  let verdict: Verdict = 'VERDICT_ALLOW';
  let reason = s.reason;
  if ((s.temperature !== null && s.temperature >= l.temperature_max) || (s.power !== null && s.power > l.power_budget)) {
    verdict = 'VERDICT_DENY';
    reason = s.temperature !== null && s.temperature >= l.temperature_max ? `temperature ${round(s.temperature)} Cel at or over ${l.temperature_max} Cel` : `power ${round(s.power!)} W over the budget ${l.power_budget} W`;
  } else if (missing.length > 0) {
    verdict = 'VERDICT_HOLD';
  } else if (view.tripped) {
    verdict = 'VERDICT_HOLD';
    reason = `temperature tripped (limit - margin ${l.temperature_max - l.temperature_margin} Cel)`;
  } else if (l.max_rise_per_min !== undefined && view.risePerMin !== undefined && view.risePerMin > l.max_rise_per_min) {
    verdict = 'VERDICT_HOLD';
    reason = `rising ${round(view.risePerMin, 3)} Cel/min`;
  } else if (s.power !== null && headroom <= 0) {
    verdict = 'VERDICT_HOLD';
    reason = 'no power headroom';
  }
  const out: ZoneStatus = {
    zone: z.id,
    verdict,
    quality: s.quality,
    reason,
    oldest_input_age_seconds: Number.isFinite(s.oldestInputAgeMs) ? round(s.oldestInputAgeMs / 1000, 3) : -1,
    tripped: view.tripped,
    reserved_power: round(view.reservedW, 1),
    power_headroom: round(headroom, 1),
    limits: {
      temperature_max: l.temperature_max,
      temperature_margin: l.temperature_margin,
      hysteresis: l.hysteresis,
      power_budget: l.power_budget,
      stale_after_ms: l.stale_after_ms ?? 0,
    },
    model: view.model,
    at: toTimestamp(view.now),
  };
  if (l.max_rise_per_min !== undefined) Object.assign(out.limits!, { max_rise_per_min: l.max_rise_per_min, _max_rise_per_min: 'max_rise_per_min' });
  if (l.max_canary_power_ratio !== undefined) Object.assign(out.limits!, { max_canary_power_ratio: l.max_canary_power_ratio, _max_canary_power_ratio: 'max_canary_power_ratio' });
  if (s.temperature !== null) Object.assign(out, { temperature: s.temperature, _temperature: 'temperature' });
  if (s.power !== null) Object.assign(out, { power: s.power, _power: 'power' });
  if (view.risePerMin !== undefined) Object.assign(out, { rise_per_min: round(view.risePerMin, 4), _rise_per_min: 'rise_per_min' });
  return out;
}

/** Whether a status differs enough from the last one sent to be worth a Watch event. */
export function statusChanged(prev: ZoneStatus | undefined, next: ZoneStatus): boolean {
  if (!prev) return true;
  if (prev.verdict !== next.verdict || prev.quality !== next.quality || prev.tripped !== next.tripped || prev.reason !== next.reason) return true;
  if (Math.abs((prev.temperature ?? 0) - (next.temperature ?? 0)) >= 0.5) return true;
  const budget = next.limits?.power_budget ?? 0;
  return Math.abs((prev.power ?? 0) - (next.power ?? 0)) >= 0.01 * budget || Math.abs(prev.reserved_power - next.reserved_power) >= 0.01 * budget;
}
