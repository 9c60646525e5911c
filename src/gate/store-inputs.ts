/**
 * The one place the signal store is adapted to GateInputs: snapshots come from the store; rates of
 * rise from a RiseTracker fed by the store's sample subscription (good and uncertain values of the
 * zones' temperature signals).
 */
import type { Config } from '../config/schema.ts';
import type { SignalStore } from '../signals/store.ts';
import type { GateInputs } from './gate-inputs.ts';
import { RiseTracker, type RiseTrackerOptions } from './rise-tracker.ts';

export interface StoreInputs extends GateInputs {
  close(): void;
}

export function storeInputs(store: SignalStore, zones: Config['zones'], rise: Partial<RiseTrackerOptions> = {}): StoreInputs {
  const tracker = new RiseTracker(rise);
  const temps = new Set(zones.flatMap((z) => z.temperature));
  const unsubscribe = store.subscribe((s) => {
    if (temps.has(s.signalId) && s.value !== null && s.quality !== 'bad' && s.lastValueTs === s.ts) tracker.add(s.signalId, s.ts, s.value);
  });
  return {
    snapshot: (now) => store.snapshot(now),
    zonesSnapshot: (zoneIds, now) => store.zonesSnapshot(zoneIds, now),
    risePerMin: (id, now) => tracker.perMinute(id, now),
    subscribe: (listener) => store.subscribe(() => listener()),
    close: unsubscribe,
  };
}
