/**
 * The gate's per-zone memory, fed with every snapshot it looks at: the hysteresis state, the
 * reservation ledger, the learned model and what rollouts reported. `view()` turns a snapshot into
 * the ZoneViews the pure rules read.
 */
import type { Config, ZoneConfig } from '../config/schema.ts';
import type { StoreSnapshot, ZoneState } from '../signals/sample.ts';
import type { GateInputs } from './gate-inputs.ts';
import { resolveModel } from './model-resolver.ts';
import type { ThermalModel } from './proto-types.ts';
import { ReservationLedger } from './reservations.ts';
import { RolloutTracker } from './rollout-tracker.ts';
import { nextTripped } from './rules/temperature.ts';
import { ThermalLearner, type LearnerOptions } from './thermal-learner.ts';
import type { ZoneView } from './zone-view.ts';

/** Rollouts not heard from for this long stop counting towards a zone's total weight. */
export const FORGET_ROLLOUT_MS = 60 * 60_000;

interface ZoneMemory {
  config: ZoneConfig;
  tripped: boolean;
  learner: ThermalLearner;
  model: ThermalModel;
}

export class ZoneTracker {
  readonly reservations: ReservationLedger;
  readonly rollouts = new RolloutTracker(FORGET_ROLLOUT_MS);
  private readonly zones = new Map<string, ZoneMemory>();
  private readonly inputs: GateInputs;

  constructor(config: Pick<Config, 'zones' | 'gate'>, inputs: GateInputs, learner: Partial<LearnerOptions> = {}) {
    this.inputs = inputs;
    this.reservations = new ReservationLedger(config.gate.reservation_ttl_s * 1000);
    for (const z of config.zones) {
      const l = new ThermalLearner(learner);
      this.zones.set(z.id, { config: z, tripped: false, learner: l, model: resolveModel(z, l.fit()) });
    }
  }

  ids(): string[] {
    return [...this.zones.keys()];
  }

  /** Applies a snapshot to the zones' memory (hysteresis, reservations) and returns their views. */
  view(snap: StoreSnapshot, zoneIds: readonly string[] = this.ids()): Map<string, ZoneView> {
    const out = new Map<string, ZoneView>();
    for (const id of zoneIds) {
      const m = this.zones.get(id);
      if (!m) continue;
      const state = snap.zones.get(id) ?? emptyState(id);
      m.tripped = nextTripped(m.tripped, state.temperature, m.config.limits);
      this.reservations.observe(id, state.power, snap.takenAt);
      out.set(id, {
        zone: m.config,
        now: snap.takenAt,
        state,
        signals: snap.signals,
        risePerMin: this.rise(m.config, snap.takenAt),
        model: m.model,
        reservedW: this.reservations.reservedW(id),
        reservationRetryS: this.reservations.earliestExpiryS(id, snap.takenAt),
        tripped: m.tripped,
      });
    }
    return out;
  }

  /** The periodic part (engine tick): learner samples and refits. */
  learn(views: ReadonlyMap<string, ZoneView>, now: number, refit: boolean): void {
    for (const [id, v] of views) {
      const m = this.zones.get(id)!;
      m.learner.sample(now, v.state.temperature, v.state.power, this.rollouts.totalWeight(id, now));
      if (refit) m.model = resolveModel(m.config, m.learner.fit());
    }
  }

  private rise(z: ZoneConfig, now: number): number | undefined {
    let max: number | undefined;
    for (const id of z.temperature) {
      const r = this.inputs.risePerMin(id, now);
      if (r === undefined) return undefined;
      max = max === undefined ? r : Math.max(max, r);
    }
    return max;
  }
}

function emptyState(zoneId: string): ZoneState {
  return { zoneId, temperature: null, power: null, quality: 'bad', reason: 'zone not in the store', oldestInputAgeMs: Infinity };
}
