/**
 * A Decision as the HTTP adapters return it: the verdict as a word (ALLOW | HOLD | DENY), `allow`
 * as a boolean for successConditions, reasons with their rule's verdict as a word, and the
 * evaluation time as RFC 3339. Everything else is the gRPC Decision's fields, same names.
 */
import { fromTimestamp } from '../gate/timestamp.ts';
import type { Decision } from '../gate/proto-types.ts';

export type VerdictWord = 'ALLOW' | 'HOLD' | 'DENY' | 'UNSPECIFIED';

export function verdictOf(v: string): VerdictWord {
  return v.replace(/^VERDICT_/, '') as VerdictWord;
}

export interface DecisionJson {
  verdict: VerdictWord;
  allow: boolean;
  max_safe_weight: number;
  retry_after_seconds: number;
  reasons: { rule: string; zone: string; signal: string; observed: number; limit: number; unit: string; message: string; verdict: VerdictWord }[];
  predictions: Decision['predictions'];
  oldest_input_age_seconds: number;
  decision_id: string;
  policy_version: string;
  evaluated_at: string;
  rollout: { namespace: string; name: string };
  canary_revision: string;
  zones: string[];
  current_weight: number;
  proposed_weight: number;
  dry_run: boolean;
}

export function decisionJson(d: Decision): DecisionJson {
  const verdict = verdictOf(d.verdict);
  return {
    verdict,
    allow: verdict === 'ALLOW',
    max_safe_weight: d.max_safe_weight,
    retry_after_seconds: d.retry_after_seconds,
    reasons: d.reasons.map((r) => ({ rule: r.rule, zone: r.zone, signal: r.signal, observed: r.observed, limit: r.limit, unit: r.unit, message: r.message, verdict: verdictOf(r.verdict) })),
    predictions: d.predictions,
    oldest_input_age_seconds: d.oldest_input_age_seconds,
    decision_id: d.decision_id,
    policy_version: d.policy_version,
    evaluated_at: new Date(fromTimestamp(d.evaluated_at)).toISOString(),
    rollout: { namespace: d.rollout?.namespace ?? '', name: d.rollout?.name ?? '' },
    canary_revision: d.canary_revision,
    zones: d.zones,
    current_weight: d.current_weight,
    proposed_weight: d.proposed_weight,
    dry_run: d.dry_run,
  };
}
