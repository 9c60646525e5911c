/** Statistics over a history window: least-squares slope (rate of rise) and min/max. */
import type { HistoryRing } from './history-ring.ts';

export interface WindowStats {
  /** Samples in the window. */
  count: number;
  min: number | null;
  max: number | null;
  /** Least-squares slope in value units per minute; null with fewer than 2 samples or no time spread. */
  ratePerMin: number | null;
}

const MS_PER_MIN = 60_000;

/**
 * One pass over the samples since `since`. Times are taken relative to the first sample so the
 * sums stay small (epoch milliseconds squared would lose every digit of a 15-minute window).
 */
export function windowStats(ring: HistoryRing, since: number): WindowStats {
  let n = 0;
  let t0 = 0;
  let st = 0;
  let sv = 0;
  let stt = 0;
  let stv = 0;
  let min = Infinity;
  let max = -Infinity;
  ring.forEachSince(since, (ts, v) => {
    if (n === 0) t0 = ts;
    const t = (ts - t0) / MS_PER_MIN;
    n++;
    st += t;
    sv += v;
    stt += t * t;
    stv += t * v;
    if (v < min) min = v;
    if (v > max) max = v;
  });
  if (n === 0) return { count: 0, min: null, max: null, ratePerMin: null };
  const denom = n * stt - st * st;
  const ratePerMin = n < 2 || denom <= 1e-12 * n * stt ? null : (n * stv - st * sv) / denom;
  return { count: n, min, max, ratePerMin };
}
