/**
 * Every decision is audited once: one pino JSON line (decision id, rollout, zones, verdict,
 * reasons, weights, latency, caller) and the `loopgate.gate.decisions` counter per zone and verdict.
 */
import type { Counter, Meter } from '@opentelemetry/api';
import type { Logger } from '../log.ts';
import type { Decision } from './proto-types.ts';

export interface DecisionContext {
  /** Who asked: the client certificate's CN, or '' on plaintext. */
  client?: string;
  /** The caller's address. */
  peer?: string;
  /** How the request came in (grpc, flagger, argo). */
  via?: string;
  /** process.hrtime.bigint() when the request arrived, for the latency. */
  receivedNs?: bigint;
}

export class DecisionLog {
  private readonly log: Logger;
  private readonly counter: Counter;

  constructor(log: Logger, meter: Meter) {
    this.log = log;
    this.counter = meter.createCounter('loopgate.gate.decisions', { description: 'Gate decisions by zone and verdict', unit: '{decision}' });
  }

  record(d: Decision, ctx: DecisionContext, startedNs: bigint, replayed: boolean): void {
    const latencyMs = Number(process.hrtime.bigint() - (ctx.receivedNs ?? startedNs)) / 1e6;
    const verdict = verdictWord(d.verdict);
    this.log.info(
      {
        event: 'gate_decision',
        decision_id: d.decision_id,
        request_id: d.request_id || undefined,
        rollout: `${d.rollout?.namespace}/${d.rollout?.name}`,
        canary_revision: d.canary_revision || undefined,
        zones: d.zones,
        verdict,
        reasons: d.reasons,
        current_weight: d.current_weight,
        proposed_weight: d.proposed_weight,
        max_safe_weight: d.max_safe_weight,
        retry_after_s: d.retry_after_seconds,
        policy_version: d.policy_version,
        dry_run: d.dry_run || undefined,
        replayed: replayed || undefined,
        client: ctx.client || undefined,
        peer: ctx.peer,
        via: ctx.via,
        latency_ms: Math.round(latencyMs * 1000) / 1000,
      },
      `gate ${verdict} ${d.rollout?.namespace}/${d.rollout?.name} ${d.current_weight} -> ${d.proposed_weight}`,
    );
    if (replayed) return;
    for (const zone of d.zones) this.counter.add(1, { 'loopgate.zone': zone, 'loopgate.verdict': verdict });
  }
}

export function verdictWord(v: string): string {
  return v.replace(/^VERDICT_/, '').toLowerCase();
}
