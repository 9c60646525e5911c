/** The signal layer's data: samples with quality, zone aggregates, and the snapshot readers take. */
import type { SignalKind } from '../config/schema.ts';

export type Quality = 'good' | 'uncertain' | 'bad';

export interface SignalSample {
  signalId: string;
  deviceId: string;
  kind: SignalKind;
  unit: string;
  /** Engineering value; null when there is none to give (never read, or the last read failed). */
  value: number | null;
  quality: Quality;
  /** Why the quality is not good; '' when good. */
  reason: string;
  /** When this sample was taken (ms since epoch): the last poll that answered or failed. */
  ts: number;
  /** When the last good or uncertain value arrived; null if none yet. */
  lastValueTs: number | null;
  /** Loop current in mA for 4-20 mA signals. */
  loopMa?: number;
  /** Increments with every sample of this signal (lets sinks prove nothing was lost). */
  seq: number;
}

export interface ZoneState {
  zoneId: string;
  /** Highest temperature of the zone's temperature signals (Cel); null when none is usable. */
  temperature: number | null;
  /** Sum of the zone's power signals (W); null when any is unusable. */
  power: number | null;
  /** Worst quality of the inputs. */
  quality: Quality;
  reason: string;
  /** Age of the oldest input value (ms), at snapshot time. */
  oldestInputAgeMs: number;
  /**
   * Fastest rise among the zone's temperature signals (Cel/min, least squares over the store's
   * rate window, good samples only); null with too few samples. Set by SignalStore.snapshot()
   * (not by zonesSnapshot(), the gate's).
   */
  temperatureRisePerMin?: number | null;
}

export interface StoreSnapshot {
  /** ms since epoch the snapshot was taken; staleness is judged against it. */
  takenAt: number;
  signals: ReadonlyMap<string, SignalSample>;
  zones: ReadonlyMap<string, ZoneState>;
}
