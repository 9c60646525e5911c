/**
 * Energy regression: the power a rollout adds per weight point, observed across its steps (the
 * slope of zone power over its reported weight), against the cost per weight point captured when
 * the rollout started (the zone model's watts_per_weight_pct: what the stable version's traffic
 * costs). Above limits.max_canary_power_ratio times that -> HOLD with the figure.
 */
import { pass, reason, round, type RuleOutcome, type WeightStep, type ZoneView } from '../zone-view.ts';

export interface RolloutCost {
  /** W per weight point at the rollout's start (0: unknown, the rule does not apply). */
  baselineWPerPct: number;
  /** Observed W per weight point across the rollout's steps; undefined with too few steps. */
  observedWPerPct: number | undefined;
  /** Weight points the observations span. */
  spanPct: number;
}

export function energyRegressionRule(view: ZoneView, step: WeightStep, cost: RolloutCost | undefined): RuleOutcome {
  const max = view.zone.limits.max_canary_power_ratio;
  if (max === undefined || !cost || step.proposed <= step.current) return pass;
  if (cost.baselineWPerPct <= 0 || cost.observedWPerPct === undefined) return pass;
  const ratio = cost.observedWPerPct / cost.baselineWPerPct;
  if (ratio <= max) return pass;
  return {
    reasons: [
      reason(view.zone.id, 'energy_regression', 'VERDICT_HOLD', {
        observed: round(ratio, 3),
        limit: max,
        unit: '1',
        message: `canary costs ${round(cost.observedWPerPct)} W per weight point over ${round(cost.spanPct)} points, ${round(ratio, 2)}x the stable ${round(cost.baselineWPerPct)} W (limit ${max}x)`,
      }),
    ],
    ceiling: step.current,
    retryAfterS: 300,
  };
}
