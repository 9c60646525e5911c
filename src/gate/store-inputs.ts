/**
 * The one place the signal store is adapted to GateInputs: snapshots come from the store; rates of
 * rise from a RiseTracker fed by the store's sample subscription (good and uncertain values of the
 * zones' temperature signals). The gate reads only the zones' signals, so it gets the store's zone
 * snapshot and is woken only by samples of those signals: a plant's other thousands of signals
 * cost it nothing.
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
  const zoneSignals = new Set(zones.flatMap((z) => [...z.temperature, ...z.power]));
  const unsubscribe = store.subscribe((s) => {
    if (temps.has(s.signalId) && s.value !== null && s.quality !== 'bad' && s.lastValueTs === s.ts) tracker.add(s.signalId, s.ts, s.value);
  });
  return {
    snapshot: (now) => store.zoneSnapshot(now),
    zonesSnapshot: (zoneIds, now) => store.zonesSnapshot(zoneIds, now),
    risePerMin: (id, now) => tracker.perMinute(id, now),
    subscribe: (listener) =>
      store.subscribe((s) => {
        if (zoneSignals.has(s.signalId)) listener();
      }),
    close: unsubscribe,
  };
}
