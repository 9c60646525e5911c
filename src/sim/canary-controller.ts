/**
 * A reference rollout controller, as Flagger or Argo would drive a canary but over the Gate API:
 * steps 5 -> 10 -> 20 -> 40 -> 60 -> 80 -> 100, asks the gate (gRPC Evaluate) before each step and
 * only then sets the load; on HOLD it steps to the gate's max_safe_weight when that is above the
 * weight in force, steps back to it when it is below, else waits retry_after_seconds (at most
 * `maxHolds` HOLDs a step, then it stays where it is); on DENY it rolls back to 0 and releases. Every decision and move is an event.
 * Time is the plant's: waits are simulated seconds, slept as real time / speed.
 */
import type { GateClient } from '../api/gate-client.ts';
import type { Decision } from '../gate/proto-types.ts';

export const DEFAULT_STEPS = [5, 10, 20, 40, 60, 80, 100] as const;

export type CanaryEventKind = 'allow' | 'hold' | 'deny' | 'set' | 'backoff' | 'rollback' | 'held' | 'completed' | 'error';

export interface CanaryEvent {
  /** Simulated time, ms since epoch. */
  t: number;
  canary: string;
  kind: CanaryEventKind;
  from: number;
  to: number;
  maxSafeWeight?: number;
  retryAfterS?: number;
  reason?: string;
}

export interface CanaryResult {
  canary: string;
  outcome: 'completed' | 'held' | 'rolled_back' | 'error';
  weight: number;
  /** The gate's max_safe_weight in its last decision. */
  maxSafeWeight: number;
  decisions: number;
}

export interface CanaryControllerOptions {
  gate: Pick<GateClient, 'evaluate' | 'release'>;
  namespace: string;
  name: string;
  revision: string;
  zone: string;
  /** Sets this canary's share of the hall's load (the plant's weight knob). */
  setLoad: (weight: number) => Promise<void>;
  /** Simulated time now (ms). */
  now: () => number;
  /** Sleeps for simulated seconds. */
  sleep: (simSeconds: number) => Promise<void>;
  onEvent?: (e: CanaryEvent) => void;
  steps?: readonly number[];
  /** Simulated seconds to bake at each weight before the next step (default 60). */
  dwellS?: number;
  /** HOLDs accepted per step before the controller stays where it is (default 3). */
  maxHolds?: number;
  signal?: AbortSignal;
}

export class CanaryController {
  private readonly o: CanaryControllerOptions;
  private readonly id: string;
  private decisions = 0;
  private lastMaxSafe = 0;

  constructor(o: CanaryControllerOptions) {
    this.o = o;
    this.id = `${o.namespace}/${o.name}`;
  }

  async run(): Promise<CanaryResult> {
    let current = 0;
    try {
      for (const target of this.o.steps ?? DEFAULT_STEPS) {
        let holds = 0;
        let to = target;
        while (current < target) {
          if (this.o.signal?.aborted) return this.result('held', current);
          const d = await this.ask(current, to);
          if (d.verdict === 'VERDICT_ALLOW') {
            this.emit('allow', current, to, d);
            await this.o.setLoad(to);
            this.emit('set', current, to);
            current = to;
            to = target;
            continue;
          }
          if (d.verdict === 'VERDICT_DENY') {
            this.emit('deny', current, to, d);
            await this.o.setLoad(0);
            this.emit('rollback', current, 0, d);
            await this.o.gate.release({ rollout: { namespace: this.o.namespace, name: this.o.name }, zones: [this.o.zone], reason: 'rolled_back' });
            return this.result('rolled_back', 0);
          }
          this.emit('hold', current, to, d);
          if (d.max_safe_weight < current) {
            // The gate says the weight in force is already more than the hall takes: lowering the
            // load needs no permission, so step back to what it says is safe.
            const back = Math.floor(d.max_safe_weight);
            await this.o.setLoad(back);
            this.emit('backoff', current, back, d);
            current = back;
          }
          if (++holds >= (this.o.maxHolds ?? 3)) {
            this.emit('held', current, current, d);
            return this.result('held', current);
          }
          const partial = Math.floor(d.max_safe_weight);
          if (partial > current && partial < to) to = partial;
          else await this.o.sleep(Math.max(1, d.retry_after_seconds));
        }
        await this.o.sleep(this.o.dwellS ?? 60);
      }
      await this.o.gate.release({ rollout: { namespace: this.o.namespace, name: this.o.name }, zones: [this.o.zone], reason: 'finished' });
      this.emit('completed', current, current);
      return this.result('completed', current);
    } catch (err) {
      this.o.onEvent?.({ t: this.o.now(), canary: this.id, kind: 'error', from: current, to: current, reason: (err as Error).message });
      return this.result('error', current);
    }
  }

  private async ask(current: number, proposed: number): Promise<Decision> {
    const d = await this.o.gate.evaluate({ rollout: { namespace: this.o.namespace, name: this.o.name }, canary_revision: this.o.revision, zones: [this.o.zone], current_weight: current, proposed_weight: proposed });
    this.decisions++;
    this.lastMaxSafe = d.max_safe_weight;
    return d;
  }

  private emit(kind: CanaryEventKind, from: number, to: number, d?: Decision): void {
    const e: CanaryEvent = { t: this.o.now(), canary: this.id, kind, from, to };
    if (d) {
      e.maxSafeWeight = d.max_safe_weight;
      e.retryAfterS = d.retry_after_seconds;
      const firing = d.reasons.filter((r) => r.verdict === d.verdict);
      if (firing.length) e.reason = firing.map((r) => `${r.rule}: ${r.message}`).join('; ');
    }
    this.o.onEvent?.(e);
  }

  private result(outcome: CanaryResult['outcome'], weight: number): CanaryResult {
    return { canary: this.id, outcome, weight, maxSafeWeight: this.lastMaxSafe, decisions: this.decisions };
  }
}
