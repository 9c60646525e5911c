/**
 * Raw decoded value -> engineering value with a quality: linear scale/offset, or a 4-20 mA loop
 * judged by NAMUR NE43.
 *
 * NE43 bands (mA), edges included where the recommendation puts them:
 *   x < 3.6          bad        "loop current low (wire break?)"
 *   3.6 <= x < 3.8   uncertain  below the measuring band (value held at the 4 mA end)
 *   3.8 <= x < 4     uncertain  saturated low (value held at the 4 mA end)
 *   4 <= x <= 20     good
 *   20 < x <= 20.5   uncertain  saturated high (value held at the 20 mA end)
 *   20.5 < x <= 21   uncertain  above the measuring band
 *   x > 21           bad        "loop current high (short circuit?)"
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

export const REASON_WIRE_BREAK = 'loop current low (wire break?)';
export const REASON_SHORT = 'loop current high (short circuit?)';

export function toEngineering(sig: Pick<SignalConfig, 'scale' | 'offset' | 'loop'>, raw: RawValue): Engineered {
  const x = typeof raw === 'boolean' ? (raw ? 1 : 0) : raw;
  if (!Number.isFinite(x)) return { value: null, quality: 'bad', reason: `not a number (${x})` };
  if (!sig.loop) return { value: linearValue(sig, x), quality: 'good', reason: '' };
  const [r4, r20] = sig.loop.raw;
  const [e4, e20] = sig.loop.eu;
  const span = r20 - r4;
  const mA = clean(4 + ((x - r4) * 16) / span);
  // From the raw counts directly (not from the rounded mA), so no resolution is lost.
  const euAt = (counts: number): number => clean(e4 + ((counts - r4) / span) * (e20 - e4));
  const ma2 = mA.toFixed(2);
  if (mA < NE43.failLow) return { value: null, quality: 'bad', reason: `${REASON_WIRE_BREAK}: ${ma2} mA`, loopMa: mA };
  if (mA > NE43.failHigh) return { value: null, quality: 'bad', reason: `${REASON_SHORT}: ${ma2} mA`, loopMa: mA };
  if (mA < NE43.measureLow || mA > NE43.measureHigh) {
    return { value: euAt(mA < 4 ? r4 : r20), quality: 'uncertain', reason: `loop current ${ma2} mA outside the NE43 measuring band (3.8-20.5 mA)`, loopMa: mA };
  }
  if (mA < 4) return { value: euAt(r4), quality: 'uncertain', reason: `loop current ${ma2} mA saturated below 4 mA`, loopMa: mA };
  if (mA > 20) return { value: euAt(r20), quality: 'uncertain', reason: `loop current ${ma2} mA saturated above 20 mA`, loopMa: mA };
  return { value: euAt(x), quality: 'good', reason: '', loopMa: mA };
}

/**
 * A finite raw number through scale and offset: what toEngineering gives a signal without a loop
 * (always good). The store calls it directly for those, the common case, without the wrapper.
 */
export function linearValue(sig: Pick<SignalConfig, 'scale' | 'offset'>, x: number): number {
  const scale = sig.scale ?? 1;
  const offset = sig.offset ?? 0;
  // Identity keeps integers exact (64-bit counters up to 2^53); scaling rounds away binary noise.
  return scale === 1 && offset === 0 ? x : clean(x * scale + offset);
}

/**
 * Rounds to 15 significant digits: removes binary noise (0.1 * 3, 27648 counts over 16 mA) so band
 * edges compare as written (3.6 mA is 3.6, not 3.5999999999999996) while keeping every digit an
 * ADC can deliver.
 */
export function clean(x: number): number {
  return x === 0 || !Number.isFinite(x) ? x : Number(x.toPrecision(15));
}
