/**
 * Composes the rules' outcomes into one verdict: DENY when any rule says the zone is over a limit
 * at the current weight (roll back); HOLD when any rule holds, with the longest retry_after; ALLOW
 * otherwise. max_safe_weight is the lowest ceiling, never above the request, never below 0,
 * floored to 0.01 so rounding can never lift it over a limit.
 */
import type { Reason, Verdict } from './proto-types.ts';
import type { RuleOutcome, WeightStep } from './zone-view.ts';

export interface Composed {
  verdict: Verdict;
  reasons: Reason[];
  maxSafeWeight: number;
  retryAfterS: number;
}

export function composeVerdict(step: WeightStep, outcomes: readonly RuleOutcome[]): Composed {
  const reasons = outcomes.flatMap((o) => o.reasons);
  let ceiling = step.proposed;
  let retry = 0;
  for (const o of outcomes) {
    ceiling = Math.min(ceiling, o.ceiling);
    if (o.reasons.some((r) => r.verdict === 'VERDICT_HOLD')) retry = Math.max(retry, o.retryAfterS);
  }
  const maxSafeWeight = Math.max(0, Math.floor(ceiling * 100 + 1e-9) / 100);
  if (reasons.some((r) => r.verdict === 'VERDICT_DENY')) return { verdict: 'VERDICT_DENY', reasons, maxSafeWeight, retryAfterS: 0 };
  if (reasons.some((r) => r.verdict === 'VERDICT_HOLD')) return { verdict: 'VERDICT_HOLD', reasons, maxSafeWeight, retryAfterS: Math.ceil(Math.max(1, retry)) };
  return { verdict: 'VERDICT_ALLOW', reasons, maxSafeWeight: step.proposed, retryAfterS: 0 };
}
