/**
 * Raw decoded value -> engineering value with a quality: linear scale/offset, or a 4-20 mA loop
 * judged by NAMUR NE43.
 */
import type { SignalConfig } from '../config/schema.ts';
import type { RawValue } from '../field/readings.ts';
import type { Quality } from './sample.ts';

export interface Engineered {
  value: number | null;
  quality: Quality;
  reason: string;
  loopMa?: number;
}

/** NE43 bands (mA). */
export const NE43 = { failLow: 3.6, measureLow: 3.8, measureHigh: 20.5, failHigh: 21.0 } as const;

export function toEngineering(sig: Pick<SignalConfig, 'scale' | 'offset' | 'loop'>, raw: RawValue): Engineered {
  const x = typeof raw === 'boolean' ? (raw ? 1 : 0) : raw;
  if (!Number.isFinite(x)) return { value: null, quality: 'bad', reason: `not a number (${x})` };
  if (!sig.loop) return { value: x * (sig.scale ?? 1) + (sig.offset ?? 0), quality: 'good', reason: '' };
  const [r4, r20] = sig.loop.raw;
  const [e4, e20] = sig.loop.eu;
  const mA = round(4 + ((x - r4) * 16) / (r20 - r4), 6);
  const eu = (ma: number): number => round(e4 + ((ma - 4) / 16) * (e20 - e4), 9);
  if (mA < NE43.failLow) return { value: null, quality: 'bad', reason: `loop current low (wire break?): ${mA.toFixed(2)} mA`, loopMa: mA };
  if (mA > NE43.failHigh) return { value: null, quality: 'bad', reason: `loop current high (short circuit?): ${mA.toFixed(2)} mA`, loopMa: mA };
  if (mA < NE43.measureLow || mA > NE43.measureHigh) {
    return { value: eu(clamp(mA, 4, 20)), quality: 'uncertain', reason: `loop current ${mA.toFixed(2)} mA outside the NE43 measuring band`, loopMa: mA };
  }
  if (mA < 4 || mA > 20) return { value: eu(clamp(mA, 4, 20)), quality: 'uncertain', reason: `loop current ${mA.toFixed(2)} mA saturated`, loopMa: mA };
  return { value: eu(mA), quality: 'good', reason: '', loopMa: mA };
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

/** Rounds away binary noise (27648 counts do not divide 16 mA evenly) without losing resolution. */
function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
