/**
 * First-order thermal model of a zone: power follows weight (watts_per_weight_pct), temperature
 * settles at T_ss with time constant tau, and T_ss moves by kelvin_per_watt per watt.
 *
 * The steady state at the weights in force is estimated conservatively as the largest of the
 * temperature now, where the present rise leads (T + tau * dT/dt) and, with a known ambient,
 * ambient + K * P. A step to weight w adds K * (reserved + (w - current) * W/%).
 */
import type { ZoneView, WeightStep } from './zone-view.ts';

/** Without a model: steps of at most this many weight points, and only with comfortable room. */
export const CONSERVATIVE_STEP_PCT = 5;
/** Without a model: the power headroom (fraction of the budget) a step needs. */
export const CONSERVATIVE_POWER_HEADROOM = 0.1;

export function hasModel(view: ZoneView): boolean {
  return view.model.source !== 'conservative';
}

export function steadyStateNow(view: ZoneView): number | undefined {
  const t = view.state.temperature;
  if (t === null) return undefined;
  const m = view.model;
  let tss = t;
  if (view.risePerMin !== undefined && view.risePerMin > 0) tss = Math.max(tss, t + (m.tau_s * view.risePerMin) / 60);
  if (m.ambient !== undefined && view.state.power !== null) tss = Math.max(tss, m.ambient + m.kelvin_per_watt * view.state.power);
  return tss;
}

/** Predicted zone power (W) once weight w is in force, counting every reservation. */
export function powerAt(view: ZoneView, step: WeightStep, w: number): number | undefined {
  if (view.state.power === null) return undefined;
  return view.state.power + view.reservedW + (w - step.current) * view.model.watts_per_weight_pct;
}

/** Predicted steady-state temperature (Cel) at weight w. */
export function temperatureAt(view: ZoneView, step: WeightStep, w: number): number | undefined {
  const tss = steadyStateNow(view);
  if (tss === undefined) return undefined;
  const m = view.model;
  return tss + m.kelvin_per_watt * (view.reservedW + (w - step.current) * m.watts_per_weight_pct);
}

/** The largest weight whose predicted steady state stays at or under limit - margin. */
export function thermalCeiling(view: ZoneView, step: WeightStep): number {
  const tss = steadyStateNow(view);
  if (tss === undefined) return step.current;
  const m = view.model;
  const room = view.zone.limits.temperature_max - view.zone.limits.temperature_margin - tss - m.kelvin_per_watt * view.reservedW;
  const perPct = m.kelvin_per_watt * m.watts_per_weight_pct;
  if (perPct <= 0) return room >= 0 ? Infinity : step.current;
  return step.current + room / perPct;
}

/** The largest weight whose predicted power stays within the budget. */
export function powerCeiling(view: ZoneView, step: WeightStep): number {
  if (view.state.power === null) return step.current;
  const room = view.zone.limits.power_budget - view.state.power - view.reservedW;
  const perPct = view.model.watts_per_weight_pct;
  if (perPct <= 0) return room >= 0 ? Infinity : step.current;
  return step.current + room / perPct;
}

/**
 * Seconds until temperature_max is reached at weight w, starting from the temperature now and
 * approaching the predicted steady state with tau; undefined when it never is.
 */
export function secondsToLimit(view: ZoneView, step: WeightStep, w: number): number | undefined {
  const t = view.state.temperature;
  const tss = temperatureAt(view, step, w);
  if (t === null || tss === undefined) return undefined;
  const limit = view.zone.limits.temperature_max;
  if (t >= limit) return 0;
  if (tss <= limit) return undefined;
  return view.model.tau_s * Math.log((tss - t) / (tss - limit));
}

/** Seconds for the temperature to fall to `target` towards the current steady state; undefined if it will not. */
export function secondsToCool(view: ZoneView, target: number): number | undefined {
  const t = view.state.temperature;
  const tss = steadyStateNow(view);
  if (t === null || tss === undefined) return undefined;
  if (t <= target) return 0;
  if (!hasModel(view) || tss >= target) return undefined;
  return view.model.tau_s * Math.log((t - tss) / (target - tss));
}
