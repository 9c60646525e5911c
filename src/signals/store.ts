/**
 * The signal store: latest sample per signal, fed by the field layer (ReadingSink), read by the
 * gate, exporters and MQTT through cheap snapshots and change subscriptions. No I/O.
 */
import type { Config, SignalConfig } from '../config/schema.ts';
import type { FieldFailure, RawValue, ReadingSink } from '../field/readings.ts';
import { toEngineering } from './pipeline.ts';
import type { Quality, SignalSample, StoreSnapshot, ZoneState } from './sample.ts';

export type Clock = () => number;
export type SampleListener = (sample: SignalSample) => void;

interface SignalEntry {
  config: SignalConfig;
  deviceId: string;
  staleAfterMs: number;
  sample: SignalSample;
}

const rank: Record<Quality, number> = { good: 0, uncertain: 1, bad: 2 };

export class SignalStore implements ReadingSink {
  private readonly entries = new Map<string, SignalEntry>();
  private readonly listeners = new Set<SampleListener>();
  private readonly zones: Config['zones'];
  private readonly clock: Clock;

  constructor(config: Pick<Config, 'devices' | 'zones'>, clock: Clock = Date.now) {
    this.clock = clock;
    this.zones = config.zones;
    const zoneStale = new Map<string, number>();
    for (const z of config.zones) {
      for (const id of [...z.temperature, ...z.power]) {
        if (z.limits.stale_after_ms !== undefined) zoneStale.set(id, Math.min(zoneStale.get(id) ?? Infinity, z.limits.stale_after_ms));
      }
    }
    for (const dev of config.devices) {
      for (const sig of dev.signals) {
        this.entries.set(sig.id, {
          config: sig,
          deviceId: dev.id,
          staleAfterMs: zoneStale.get(sig.id) ?? 3 * dev.poll_ms,
          sample: { signalId: sig.id, deviceId: dev.id, kind: sig.kind, unit: sig.unit, value: null, quality: 'bad', reason: 'no data yet', ts: 0, lastValueTs: null, seq: 0 },
        });
      }
    }
  }

  values(_deviceId: string, ts: number, values: ReadonlyArray<readonly [string, RawValue]>): void {
    for (const [id, raw] of values) {
      const e = this.entries.get(id);
      if (!e) continue;
      const eng = toEngineering(e.config, raw);
      const prev = e.sample;
      const next: SignalSample = {
        signalId: id,
        deviceId: e.deviceId,
        kind: e.config.kind,
        unit: e.config.unit,
        value: eng.value,
        quality: eng.quality,
        reason: eng.reason,
        ts,
        lastValueTs: eng.value !== null ? ts : prev.lastValueTs,
        seq: prev.seq + 1,
      };
      if (eng.loopMa !== undefined) next.loopMa = eng.loopMa;
      this.set(e, next);
    }
  }

  failure(_deviceId: string, ts: number, signalIds: readonly string[], failure: FieldFailure): void {
    for (const id of signalIds) {
      const e = this.entries.get(id);
      if (!e) continue;
      // The last value stays, marked uncertain, until it goes stale (then bad): never posing as fresh.
      const next: SignalSample = { ...e.sample, quality: worst(e.sample.quality, 'uncertain'), reason: `read failed: ${failure.kind}: ${failure.message}`, ts, seq: e.sample.seq + 1 };
      this.set(e, next);
    }
  }

  /** Subscribe to every new sample; returns the unsubscribe function. */
  subscribe(listener: SampleListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The latest samples with staleness applied at `now`, and zone aggregates. */
  snapshot(now: number = this.clock()): StoreSnapshot {
    const signals = new Map<string, SignalSample>();
    for (const [id, e] of this.entries) signals.set(id, withStaleness(e, now));
    const zones = new Map<string, ZoneState>();
    for (const z of this.zones) zones.set(z.id, zoneState(z.id, z.temperature, z.power, signals, now));
    return { takenAt: now, signals, zones };
  }

  signalIds(): string[] {
    return [...this.entries.keys()];
  }

  private set(e: SignalEntry, sample: SignalSample): void {
    e.sample = sample;
    for (const l of this.listeners) l(sample);
  }
}

function withStaleness(e: SignalEntry, now: number): SignalSample {
  const s = e.sample;
  if (s.lastValueTs === null) return s;
  const age = now - s.lastValueTs;
  if (age <= e.staleAfterMs) return s;
  return { ...s, quality: 'bad', reason: `stale (age ${Math.round(age)} ms)` };
}

function worst(a: Quality, b: Quality): Quality {
  return rank[a] >= rank[b] ? a : b;
}

function zoneState(zoneId: string, temps: readonly string[], powers: readonly string[], signals: ReadonlyMap<string, SignalSample>, now: number): ZoneState {
  let quality: Quality = 'good';
  const reasons: string[] = [];
  let oldest = 0;
  let temperature: number | null = null;
  let power: number | null = 0;
  for (const id of [...temps, ...powers]) {
    const s = signals.get(id);
    if (!s) continue;
    if (s.quality !== 'good') reasons.push(`${id}: ${s.reason}`);
    quality = worst(quality, s.quality);
    oldest = Math.max(oldest, s.lastValueTs === null ? Infinity : now - s.lastValueTs);
  }
  for (const id of temps) {
    const v = signals.get(id)?.value ?? null;
    if (v !== null && signals.get(id)?.quality !== 'bad') temperature = temperature === null ? v : Math.max(temperature, v);
  }
  for (const id of powers) {
    const s = signals.get(id);
    if (!s || s.value === null || s.quality === 'bad') power = null;
    else if (power !== null) power += s.value;
  }
  return { zoneId, temperature, power, quality, reason: reasons.join('; '), oldestInputAgeMs: oldest };
}
