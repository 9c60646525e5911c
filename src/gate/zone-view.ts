/**
 * What every rule sees of one zone at one instant: its config, the snapshot's aggregate and
 * samples, the rate of rise, the thermal model in force, reservations and the hysteresis state.
 * Rules are pure functions of (ZoneView, WeightStep).
 */
import type { ZoneConfig } from '../config/schema.ts';
import type { SignalSample, ZoneState } from '../signals/sample.ts';
import type { Reason, ThermalModel, Verdict } from './proto-types.ts';

export interface ZoneView {
  zone: ZoneConfig;
  /** ms since epoch of the snapshot. */
  now: number;
  state: ZoneState;
  signals: ReadonlyMap<string, SignalSample>;
  /** Fastest rate of rise of the zone's temperature signals (Cel/min); undefined while unknown. */
  risePerMin: number | undefined;
  model: ThermalModel;
  /** Power (W) reserved by ALLOWs that measurements do not show yet, every rollout's. */
  reservedW: number;
  /** Seconds until the earliest reservation runs out (0 when none). */
  reservationRetryS: number;
  /** Temperature tripped (hysteresis state after this snapshot). */
  tripped: boolean;
}

/** Canary weights in percent. */
export interface WeightStep {
  current: number;
  proposed: number;
}

export interface RuleOutcome {
  /** Empty when the rule did not fire. */
  reasons: Reason[];
  /** The largest weight this rule lets through (Infinity: no ceiling). */
  ceiling: number;
  /** When asking again may help (s); 0 when not a HOLD. */
  retryAfterS: number;
}

export const pass: RuleOutcome = Object.freeze({ reasons: [], ceiling: Infinity, retryAfterS: 0 }) as RuleOutcome;

export function reason(zone: string, rule: string, verdict: Verdict, r: { signal?: string; observed: number; limit: number; unit: string; message: string }): Reason {
  return { rule, zone, signal: r.signal ?? '', observed: r.observed, limit: r.limit, unit: r.unit, message: r.message, verdict };
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
