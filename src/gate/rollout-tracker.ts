/**
 * What the gate remembers of each rollout per zone: the weight it last reported (the learned model
 * regresses power on the zones' total weight) and its (weight, power) observations, from which the
 * energy-regression rule reads the canary's cost per weight point. A new canary revision starts
 * over. Bounded: observations per rollout, rollouts overall, and forgotten after `forgetMs`.
 */
import type { RolloutCost } from './rules/energy-regression.ts';

/** Observations must span at least this many weight points before a cost is reported. */
export const MIN_COST_SPAN_PCT = 5;
const MAX_POINTS = 32;
const MAX_ROLLOUTS = 10_000;

interface Track {
  revision: string;
  baselineWPerPct: number;
  weight: number;
  seenAt: number;
  points: { w: number; p: number }[];
}

export class RolloutTracker {
  private readonly tracks = new Map<string, Track>();
  private readonly forgetMs: number;

  constructor(forgetMs: number) {
    this.forgetMs = forgetMs;
  }

  observe(rollout: string, revision: string, zone: string, weight: number, powerW: number | null, modelWPerPct: number, now: number): void {
    const key = `${rollout}\u0000${zone}`;
    let t = this.tracks.get(key);
    if (!t || t.revision !== revision) {
      t = { revision, baselineWPerPct: modelWPerPct, weight, seenAt: now, points: [] };
    }
    this.tracks.delete(key);
    this.tracks.set(key, t);
    t.weight = weight;
    t.seenAt = now;
    if (powerW !== null) {
      t.points = t.points.filter((pt) => pt.w !== weight);
      t.points.push({ w: weight, p: powerW });
      if (t.points.length > MAX_POINTS) t.points.shift();
    }
    this.prune(now);
  }

  cost(rollout: string, revision: string, zone: string): RolloutCost | undefined {
    const t = this.tracks.get(`${rollout}\u0000${zone}`);
    if (!t || t.revision !== revision) return undefined;
    const ws = t.points.map((pt) => pt.w);
    const span = ws.length ? Math.max(...ws) - Math.min(...ws) : 0;
    return { baselineWPerPct: t.baselineWPerPct, observedWPerPct: span >= MIN_COST_SPAN_PCT ? slope(t.points) : undefined, spanPct: span };
  }

  /** Sum of the weights rollouts last reported into a zone. */
  totalWeight(zone: string, now: number): number {
    let sum = 0;
    for (const [key, t] of this.tracks) if (key.endsWith(`\u0000${zone}`) && now - t.seenAt <= this.forgetMs) sum += t.weight;
    return sum;
  }

  forget(rollout: string, zones: readonly string[] | undefined): void {
    for (const key of [...this.tracks.keys()]) {
      const [r, z] = key.split('\u0000');
      if (r === rollout && (!zones || zones.length === 0 || zones.includes(z!))) this.tracks.delete(key);
    }
  }

  private prune(now: number): void {
    for (const [key, t] of this.tracks) {
      if (this.tracks.size <= MAX_ROLLOUTS && now - t.seenAt <= this.forgetMs) break;
      this.tracks.delete(key);
    }
  }
}

function slope(points: readonly { w: number; p: number }[]): number | undefined {
  const n = points.length;
  if (n < 2) return undefined;
  const mw = points.reduce((s, pt) => s + pt.w, 0) / n;
  const mp = points.reduce((s, pt) => s + pt.p, 0) / n;
  let num = 0;
  let den = 0;
  for (const pt of points) {
    num += (pt.w - mw) * (pt.p - mp);
    den += (pt.w - mw) ** 2;
  }
  return den === 0 ? undefined : num / den;
}
