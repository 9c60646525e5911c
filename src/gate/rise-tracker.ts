/**
 * Rate of rise per signal from a short, bounded history of good values: the least-squares slope
 * over the last `windowMs`. Used until the signal store offers its own history (store-inputs.ts is
 * the one place that would switch).
 */
export interface RiseTrackerOptions {
  /** History kept per signal (ms). */
  windowMs: number;
  /** Shortest span of history that gives a rate (ms). */
  minSpanMs: number;
  /** Most points kept per signal (memory bound whatever the poll rate). */
  maxPoints: number;
}

export const defaultRiseOptions: RiseTrackerOptions = { windowMs: 60_000, minSpanMs: 10_000, maxPoints: 256 };

/** A rate computed for `now` is reused for calls within this many ms (until a new point arrives). */
const REUSE_MS = 250;

export class RiseTracker {
  private readonly points = new Map<string, { t: number[]; v: number[] }>();
  private readonly cache = new Map<string, { now: number; value: number | undefined }>();
  private readonly opts: RiseTrackerOptions;

  constructor(opts: Partial<RiseTrackerOptions> = {}) {
    this.opts = { ...defaultRiseOptions, ...opts };
  }

  add(signalId: string, t: number, value: number): void {
    let p = this.points.get(signalId);
    if (!p) this.points.set(signalId, (p = { t: [], v: [] }));
    const last = p.t[p.t.length - 1];
    if (last !== undefined && t < last) return;
    p.t.push(t);
    p.v.push(value);
    this.cache.delete(signalId);
    const from = t - this.opts.windowMs;
    let drop = 0;
    while (drop < p.t.length && (p.t[drop]! < from || p.t.length - drop > this.opts.maxPoints)) drop++;
    if (drop > 0) {
      p.t.splice(0, drop);
      p.v.splice(0, drop);
    }
  }

  /** Slope in unit per minute over the window ending at `now`; undefined with too little history. */
  perMinute(signalId: string, now: number): number | undefined {
    const c = this.cache.get(signalId);
    if (c && Math.abs(now - c.now) < REUSE_MS) return c.value;
    const value = this.compute(signalId, now);
    this.cache.set(signalId, { now, value });
    return value;
  }

  private compute(signalId: string, now: number): number | undefined {
    const p = this.points.get(signalId);
    if (!p) return undefined;
    const from = now - this.opts.windowMs;
    let n = 0;
    let st = 0;
    let sv = 0;
    let first = Infinity;
    let last = -Infinity;
    for (let i = 0; i < p.t.length; i++) {
      const t = p.t[i]!;
      if (t < from || t > now) continue;
      n++;
      st += t;
      sv += p.v[i]!;
      first = Math.min(first, t);
      last = Math.max(last, t);
    }
    if (n < 2 || last - first < this.opts.minSpanMs) return undefined;
    const mt = st / n;
    const mv = sv / n;
    let num = 0;
    let den = 0;
    for (let i = 0; i < p.t.length; i++) {
      const t = p.t[i]!;
      if (t < from || t > now) continue;
      num += (t - mt) * (p.v[i]! - mv);
      den += (t - mt) ** 2;
    }
    return den === 0 ? undefined : (num / den) * 60_000;
  }
}
