/**
 * The gate: evaluates weight changes against the zones' rules from an in-memory snapshot (no I/O
 * on the request path), keeps reservations, hysteresis and the learned models, and tells
 * listeners about every decision and zone status change. Transport-free: gRPC and the HTTP
 * adapters both call `evaluate()`.
 */
import { randomUUID } from 'node:crypto';
import type { Meter } from '@opentelemetry/api';
import type { Config } from '../config/schema.ts';
import type { Component } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import type { Clock } from '../signals/store.ts';
import { DecisionLog, type DecisionContext } from './decision-log.ts';
import { evaluateZone } from './evaluate-zone.ts';
import type { GateInputs } from './gate-inputs.ts';
import { IdempotencyCache } from './idempotency-cache.ts';
import { policyVersion } from './policy-version.ts';
import type { Decision, ReleaseResponse, ZoneStatus } from './proto-types.ts';
import { GateRequestError, rolloutKey, validateEvaluate, validateRelease, type EvaluateFields, type EvaluateInput } from './request.ts';
import { toTimestamp } from './timestamp.ts';
import type { ThermalLearner } from './thermal-learner.ts';
import { composeVerdict } from './verdict.ts';
import { round, type RuleOutcome } from './zone-view.ts';
import { statusChanged, zoneStatus } from './zone-status.ts';
import { ZoneTracker } from './zone-tracker.ts';

export type DecisionListener = (d: Decision) => void;
export type ZoneStatusListener = (s: ZoneStatus) => void;

export interface GateEngineOptions {
  config: Pick<Config, 'zones' | 'gate'>;
  inputs: GateInputs;
  clock: Clock;
  log: Logger;
  meter: Meter;
  /** Zone status / learner tick (ms). */
  tickMs?: number;
  /** Refit the learned models every this many ticks. */
  refitTicks?: number;
  learner?: ConstructorParameters<typeof ThermalLearner>[0];
}

export class GateEngine implements Component {
  readonly name = 'gate';
  readonly policyVersion: string;
  private readonly opts: GateEngineOptions;
  private readonly log: Logger;
  private readonly zones: ZoneTracker;
  private readonly cache = new IdempotencyCache<Decision>();
  private readonly decisions: DecisionLog;
  private readonly decisionListeners = new Set<DecisionListener>();
  private readonly statusListeners = new Set<ZoneStatusListener>();
  private readonly lastStatus = new Map<string, ZoneStatus>();
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private refreshQueued = false;
  private ticks = 0;

  constructor(opts: GateEngineOptions) {
    this.opts = opts;
    this.log = opts.log.child({ component: 'gate' });
    this.decisions = new DecisionLog(this.log, opts.meter);
    this.policyVersion = policyVersion(opts.config);
    this.zones = new ZoneTracker(opts.config, opts.inputs, opts.learner);
    this.refresh(true);
  }

  zoneIds(): string[] {
    return this.zones.ids();
  }

  /** Decides a weight change. Throws GateRequestError (a field is wrong) or GateNoZonesError. */
  evaluate(req: EvaluateFields, ctx: DecisionContext = {}): Decision {
    const startedNs = process.hrtime.bigint();
    const input = validateEvaluate(req, this.zones.ids());
    const now = this.opts.clock();
    const fingerprint = input.request_id ? JSON.stringify([input.rollout, input.canary_revision, input.zones, input.current_weight, input.proposed_weight, input.dry_run]) : '';
    if (input.request_id) {
      const cached = this.cache.get(input.request_id, fingerprint, now);
      if (cached && 'mismatch' in cached) throw new GateRequestError('request_id', `"${input.request_id}" was used within the last 10 minutes for a different request`);
      if (cached) {
        this.decisions.record(cached.hit, ctx, startedNs, true);
        return cached.hit;
      }
    }
    const d = this.decide(input, now);
    if (input.request_id) this.cache.set(input.request_id, fingerprint, d, now);
    this.decisions.record(d, ctx, startedNs, false);
    for (const l of this.decisionListeners) safeCall(this.log, l, d);
    return d;
  }

  /** Every zone's standing status, from a fresh snapshot. */
  listZones(): { zones: ZoneStatus[]; policy_version: string } {
    return { zones: this.refresh(false), policy_version: this.policyVersion };
  }

  /** The last status computed per zone (what Watch has seen). */
  currentStatus(zoneId: string): ZoneStatus | undefined {
    return this.lastStatus.get(zoneId);
  }

  release(req: Parameters<typeof validateRelease>[0], ctx: DecisionContext = {}): ReleaseResponse {
    const input = validateRelease(req, this.zones.ids());
    const key = rolloutKey(input.rollout);
    const zones = input.zones.length ? input.zones : undefined;
    const r = this.zones.reservations.release(key, zones);
    this.zones.rollouts.forget(key, zones);
    this.log.info({ event: 'gate_release', rollout: key, zones: input.zones, reason: input.reason, released: r.released, released_w: round(r.releasedW, 1), client: ctx.client || undefined, peer: ctx.peer }, `released ${key}`);
    this.refresh(true);
    return { released: r.released, released_power: round(r.releasedW, 1) };
  }

  /** Every decision (not the idempotent replays), e.g. for MQTT; returns unsubscribe. */
  onDecision(listener: DecisionListener): () => void {
    this.decisionListeners.add(listener);
    return () => this.decisionListeners.delete(listener);
  }

  /** Zone status changes (verdict, quality, trip, reason, or a notable move); returns unsubscribe. */
  onZoneStatus(listener: ZoneStatusListener): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  start(): Promise<void> {
    if (this.timer) return Promise.resolve();
    this.timer = setInterval(() => this.tick(), this.opts.tickMs ?? 1000);
    this.timer.unref();
    this.unsubscribe = this.opts.inputs.subscribe?.(() => this.queueRefresh());
    return Promise.resolve();
  }

  stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.opts.inputs.close?.();
    return Promise.resolve();
  }

  private decide(input: EvaluateInput, now: number): Decision {
    // Only the asked-for zones: the rules read nothing else.
    const inputs = this.opts.inputs;
    const snap = inputs.zonesSnapshot ? inputs.zonesSnapshot(input.zones, now) : inputs.snapshot(now);
    const views = this.zones.view(snap, input.zones);
    const step = { current: input.current_weight, proposed: input.proposed_weight };
    const key = rolloutKey(input.rollout);
    const outcomes: RuleOutcome[] = [];
    const predictions = [];
    let oldest = 0;
    for (const v of views.values()) {
      const zev = evaluateZone(v, step, this.zones.rollouts.cost(key, input.canary_revision, v.zone.id));
      outcomes.push(...zev.outcomes);
      predictions.push(zev.prediction);
      oldest = Math.max(oldest, v.state.oldestInputAgeMs);
    }
    const c = composeVerdict(step, outcomes);
    if (!input.dry_run) {
      for (const v of views.values()) {
        if (c.verdict === 'VERDICT_ALLOW' && step.proposed > step.current) this.zones.reservations.reserve(v.zone.id, key, (step.proposed - step.current) * v.model.watts_per_weight_pct, now);
        this.zones.rollouts.observe(key, input.canary_revision, v.zone.id, step.current, v.state.power, v.model.watts_per_weight_pct, now);
      }
    }
    return {
      verdict: c.verdict,
      reasons: c.reasons,
      max_safe_weight: c.maxSafeWeight,
      retry_after_seconds: c.retryAfterS,
      predictions,
      oldest_input_age_seconds: Number.isFinite(oldest) ? round(oldest / 1000, 3) : -1,
      decision_id: randomUUID(),
      policy_version: this.policyVersion,
      evaluated_at: toTimestamp(now),
      request_id: input.request_id,
      rollout: input.rollout,
      canary_revision: input.canary_revision,
      zones: input.zones,
      current_weight: input.current_weight,
      proposed_weight: input.proposed_weight,
      dry_run: input.dry_run,
    };
  }

  private tick(): void {
    try {
      this.ticks++;
      const refit = this.ticks % (this.opts.refitTicks ?? 30) === 0;
      this.refresh(true, refit);
    } catch (err) {
      this.log.error({ err }, 'gate tick failed');
    }
  }

  private queueRefresh(): void {
    if (this.refreshQueued) return;
    this.refreshQueued = true;
    setImmediate(() => {
      this.refreshQueued = false;
      try {
        this.refresh(true);
      } catch (err) {
        this.log.error({ err }, 'gate refresh failed');
      }
    });
  }

  /** Recomputes every zone's status from a fresh snapshot; with `notify`, records and tells listeners what changed. */
  private refresh(notify: boolean, refit = false): ZoneStatus[] {
    const now = this.opts.clock();
    const views = this.zones.view(this.opts.inputs.snapshot(now));
    this.zones.learn(views, now, refit);
    const out: ZoneStatus[] = [];
    for (const v of views.values()) {
      const s = zoneStatus(v);
      out.push(s);
      if (!notify || !statusChanged(this.lastStatus.get(s.zone), s)) continue;
      this.lastStatus.set(s.zone, s);
      for (const l of this.statusListeners) safeCall(this.log, l, s);
    }
    return out;
  }
}

function safeCall<T>(log: Logger, fn: (x: T) => void, x: T): void {
  try {
    fn(x);
  } catch (err) {
    log.error({ err }, 'gate listener failed');
  }
}
