/**
 * What the gate reads: a snapshot of the signal store and, per temperature signal, its rate of
 * rise. Everything in memory; nothing here may do I/O (the request path reads only this).
 */
import type { StoreSnapshot } from '../signals/sample.ts';

export interface GateInputs {
  /** The latest samples with staleness applied at `now`, and zone aggregates. */
  snapshot(now: number): StoreSnapshot;
  /**
   * The same for just these zones and their own signals (what one evaluation reads); without it
   * the gate takes the full snapshot.
   */
  zonesSnapshot?(zoneIds: readonly string[], now: number): StoreSnapshot;
  /** Rate of rise of a signal (unit per minute) over its recent history; undefined while too little history. */
  risePerMin(signalId: string, now: number): number | undefined;
  /** Calls `listener` after new samples arrive (zone status changes are pushed, not polled); returns unsubscribe. */
  subscribe?(listener: () => void): () => void;
  /** Stops following the source (the engine calls it on stop). */
  close?(): void;
}
