/**
 * Learns a zone's first-order model online from what follows the weights controllers report:
 * - watts per weight point: least-squares slope of zone power on the zone's total reported weight;
 * - tau, K/W and ambient: the discrete model T[k+1] = a T[k] + b P[k] + c fitted by least squares
 *   on samples at a fixed period (a = exp(-dt/tau), K = b / (1 - a), ambient = c / (1 - a)).
 * Confidence is the fit's R^2 (of the temperature steps, not the levels) scaled by how much data
 * backs it. Memory is bounded by `maxSamples`; fitting runs on the engine's tick, never per request.
 */
export interface LearnedFit {
  wattsPerWeightPct: number | undefined;
  wppConfidence: number;
  tauS: number | undefined;
  kelvinPerWatt: number | undefined;
  ambient: number | undefined;
  thermalConfidence: number;
  samples: number;
}

export interface LearnerOptions {
  sampleMs: number;
  maxSamples: number;
  /** Samples needed before a thermal fit is trusted at full weight. */
  fullSamples: number;
}

const defaults: LearnerOptions = { sampleMs: 5_000, maxSamples: 720, fullSamples: 120 };

export class ThermalLearner {
  private readonly opts: LearnerOptions;
  private readonly t: number[] = [];
  private readonly temp: number[] = [];
  private readonly power: number[] = [];
  private readonly weight: number[] = [];
  private lastAt = -Infinity;

  constructor(opts: Partial<LearnerOptions> = {}) {
    this.opts = { ...defaults, ...opts };
  }

  /** Records one sample when at least sampleMs passed since the last one; gaps restart the series. */
  sample(now: number, temperature: number | null, powerW: number | null, totalWeight: number): void {
    if (temperature === null || powerW === null || now - this.lastAt < this.opts.sampleMs) return;
    if (now - this.lastAt > 3 * this.opts.sampleMs) this.clear();
    this.lastAt = now;
    this.t.push(now);
    this.temp.push(temperature);
    this.power.push(powerW);
    this.weight.push(totalWeight);
    if (this.t.length > this.opts.maxSamples) [this.t, this.temp, this.power, this.weight].forEach((a) => a.shift());
  }

  fit(): LearnedFit {
    const n = this.t.length;
    const out: LearnedFit = { wattsPerWeightPct: undefined, wppConfidence: 0, tauS: undefined, kelvinPerWatt: undefined, ambient: undefined, thermalConfidence: 0, samples: n };
    const wpp = linear(this.weight, this.power);
    if (wpp && wpp.slope > 0 && Math.max(...this.weight) - Math.min(...this.weight) >= 5) {
      out.wattsPerWeightPct = wpp.slope;
      out.wppConfidence = wpp.r2 * Math.min(1, n / 30);
    }
    if (n >= 20) {
      const dt = (this.t[n - 1]! - this.t[0]!) / (n - 1) / 1000;
      const fit = stepFit(this.temp, this.power);
      if (fit && fit.a > 0 && fit.a < 1 && fit.b > 0) {
        out.tauS = -dt / Math.log(fit.a);
        out.kelvinPerWatt = fit.b / (1 - fit.a);
        out.ambient = fit.c / (1 - fit.a);
        out.thermalConfidence = Math.max(0, fit.r2) * Math.min(1, n / this.opts.fullSamples);
      }
    }
    return out;
  }

  private clear(): void {
    for (const a of [this.t, this.temp, this.power, this.weight]) a.length = 0;
  }
}

function linear(x: readonly number[], y: readonly number[]): { slope: number; r2: number } | undefined {
  const n = x.length;
  if (n < 3) return undefined;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  if (sxx === 0 || syy === 0) return undefined;
  return { slope: sxy / sxx, r2: (sxy * sxy) / (sxx * syy) };
}

/** Least squares for dT[k] = (a-1) T[k] + b P[k] + c via the 3x3 normal equations. */
function stepFit(temp: readonly number[], power: readonly number[]): { a: number; b: number; c: number; r2: number } | undefined {
  const n = temp.length - 1;
  const m = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  const v = [0, 0, 0];
  for (let k = 0; k < n; k++) {
    const row = [temp[k]!, power[k]!, 1];
    const d = temp[k + 1]! - temp[k]!;
    for (let i = 0; i < 3; i++) {
      v[i]! += row[i]! * d;
      for (let j = 0; j < 3; j++) m[i]![j]! += row[i]! * row[j]!;
    }
  }
  const sol = solve3(m, v);
  if (!sol) return undefined;
  const [am1, b, c] = sol as [number, number, number];
  let ssr = 0;
  let sst = 0;
  let md = 0;
  for (let k = 0; k < n; k++) md += temp[k + 1]! - temp[k]!;
  md /= n;
  for (let k = 0; k < n; k++) {
    const d = temp[k + 1]! - temp[k]!;
    ssr += (d - (am1 * temp[k]! + b * power[k]! + c)) ** 2;
    sst += (d - md) ** 2;
  }
  return { a: am1 + 1, b, c, r2: sst === 0 ? 0 : 1 - ssr / sst };
}

function solve3(m: number[][], v: number[]): number[] | undefined {
  const a = m.map((row, i) => [...row, v[i]!]);
  for (let col = 0; col < 3; col++) {
    let pivot = col;
    for (let r = col + 1; r < 3; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    if (Math.abs(a[pivot]![col]!) < 1e-12) return undefined;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    for (let r = 0; r < 3; r++) {
      if (r === col) continue;
      const f = a[r]![col]! / a[col]![col]!;
      for (let k = col; k < 4; k++) a[r]![k]! -= f * a[col]![k]!;
    }
  }
  return [0, 1, 2].map((i) => a[i]![3]! / a[i]![i]!);
}
