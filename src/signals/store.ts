/**
 * The signal store: latest sample per signal, fed by the field layer (ReadingSink), read by the
 * gate, exporters and MQTT through cheap snapshots and change subscriptions; a bounded history per
 * zone signal for rate of rise, min/max and thermal fitting. No I/O.
 */
import type { Config, SignalConfig } from '../config/schema.ts';
import type { FieldFailure, RawValue, ReadingSink } from '../field/readings.ts';
import { HistoryRing } from './history-ring.ts';
import { linearValue, toEngineering } from './pipeline.ts';
import { windowStats, type WindowStats } from './regression.ts';
import type { SignalSample, StoreSnapshot, ZoneState } from './sample.ts';
import { staleAfterBySignal, withStaleness } from './staleness.ts';
import { worstQuality, zoneState, type ZoneInputs } from './zone-state.ts';

export type Clock = () => number;
export type SampleListener = (sample: SignalSample) => void;

export interface StoreOptions {
  /** How far back the history reaches (default 15 min). */
  historyWindowMs?: number;
  /** Window of the least-squares rate of rise (default 5 min). */
  rateWindowMs?: number;
  /** Which signals keep a history: the zones' temperature and power signals (default), or all. */
  historyFor?: 'zones' | 'all';
  /** Hard cap on samples per signal whatever the poll period (default 65536: 1 MiB). */
  maxHistorySamples?: number;
}

export const STORE_DEFAULTS = { historyWindowMs: 15 * 60_000, rateWindowMs: 5 * 60_000, historyFor: 'zones', maxHistorySamples: 65_536 } as const;

interface SignalEntry {
  config: SignalConfig;
  deviceId: string;
  staleAfterMs: number;
  sample: SignalSample;
  history: HistoryRing | null;
}

export interface HistoryPoint {
  ts: number;
  value: number;
}

export class SignalStore implements ReadingSink {
  private readonly entries = new Map<string, SignalEntry>();
  private readonly listeners = new Set<SampleListener>();
  private readonly zones: ZoneInputs[];
  /** The zones' temperature and power signals: all a zone snapshot carries. */
  private readonly zoneEntries: [string, SignalEntry][] = [];
  private readonly clock: Clock;
  private readonly historyWindowMs: number;
  private readonly rateWindowMs: number;
  /** Exceptions thrown by subscribers (counted, swallowed). */
  listenerErrors = 0;

  constructor(config: Pick<Config, 'devices' | 'zones'>, clock: Clock = Date.now, opts: StoreOptions = {}) {
    this.clock = clock;
    this.historyWindowMs = opts.historyWindowMs ?? STORE_DEFAULTS.historyWindowMs;
    this.rateWindowMs = opts.rateWindowMs ?? STORE_DEFAULTS.rateWindowMs;
    const maxSamples = opts.maxHistorySamples ?? STORE_DEFAULTS.maxHistorySamples;
    const historyFor = opts.historyFor ?? STORE_DEFAULTS.historyFor;
    this.zones = config.zones.map((z) => ({ zoneId: z.id, temperature: z.temperature, power: z.power }));
    const zoneSignals = new Set(config.zones.flatMap((z) => [...z.temperature, ...z.power]));
    const staleAfter = staleAfterBySignal(config);
    for (const dev of config.devices) {
      // Room for one window at the poll rate plus 25 % (jitter, retries), never above the cap.
      const capacity = Math.max(2, Math.min(maxSamples, Math.ceil((this.historyWindowMs / dev.poll_ms) * 1.25) + 8));
      for (const sig of dev.signals) {
        this.entries.set(sig.id, {
          config: sig,
          deviceId: dev.id,
          staleAfterMs: staleAfter.get(sig.id) ?? 3 * dev.poll_ms,
          sample: { signalId: sig.id, deviceId: dev.id, kind: sig.kind, unit: sig.unit, value: null, quality: 'bad', reason: 'no data yet', ts: 0, lastValueTs: null, seq: 0 },
          history: historyFor === 'all' || zoneSignals.has(sig.id) ? new HistoryRing(capacity) : null,
        });
      }
    }
    for (const [id, e] of this.entries) if (zoneSignals.has(id)) this.zoneEntries.push([id, e]);
  }

  values(_deviceId: string, ts: number, values: ReadonlyArray<readonly [string, RawValue]>): void {
    for (const [id, raw] of values) {
      const e = this.entries.get(id);
      if (!e) continue;
      const prev = e.sample;
      // A finite number without a 4-20 mA loop (most signals) is good: no Engineered wrapper.
      const linear = e.config.loop === undefined && typeof raw === 'number' && Number.isFinite(raw);
      const eng = linear ? undefined : toEngineering(e.config, raw);
      const value = eng ? eng.value : linearValue(e.config, raw as number);
      const quality = eng ? eng.quality : 'good';
      const next: SignalSample = {
        signalId: id,
        deviceId: e.deviceId,
        kind: e.config.kind,
        unit: e.config.unit,
        value,
        quality,
        reason: eng ? eng.reason : '',
        ts,
        lastValueTs: value !== null ? ts : prev.lastValueTs,
        seq: prev.seq + 1,
      };
      if (eng?.loopMa !== undefined) next.loopMa = eng.loopMa;
      // Only measurements go into the history: saturated or failed readings would bend the slope.
      if (e.history && quality === 'good' && value !== null) e.history.push(ts, value);
      this.set(e, next);
    }
  }

  failure(_deviceId: string, ts: number, signalIds: readonly string[], failure: FieldFailure): void {
    for (const id of signalIds) {
      const e = this.entries.get(id);
      if (!e) continue;
      // The last value stays, marked uncertain, until it goes stale (then bad): never posing as fresh.
      const next: SignalSample = { ...e.sample, quality: worstQuality(e.sample.quality, 'uncertain'), reason: `read failed: ${failure.kind}: ${failure.message}`, ts, seq: e.sample.seq + 1 };
      this.set(e, next);
    }
  }

  /** Subscribe to every new sample; returns the unsubscribe function. */
  subscribe(listener: SampleListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The latest samples with staleness applied at `now`, and zone aggregates. Consistent: built in
   * one synchronous pass, and samples are never mutated once stored (treat them as read-only).
   */
  snapshot(now: number = this.clock()): StoreSnapshot {
    return this.snapshotOf(this.entries, now);
  }

  /**
   * snapshot() restricted to the zones' temperature and power signals, with the same zone
   * aggregates: the gate reads nothing else, and copying every signal of a large plant on each
   * refresh was most of the daemon's CPU.
   */
  zoneSnapshot(now: number = this.clock()): StoreSnapshot {
    return this.snapshotOf(this.zoneEntries, now);
  }

  private snapshotOf(entries: Iterable<[string, SignalEntry]>, now: number): StoreSnapshot {
    const signals = new Map<string, SignalSample>();
    for (const [id, e] of entries) signals.set(id, withStaleness(e.sample, e.staleAfterMs, now));
    const zones = new Map<string, ZoneState>();
    for (const z of this.zones) zones.set(z.zoneId, this.zoneStateWithRise(z, signals, now));
    return { takenAt: now, signals, zones };
  }

  /**
   * The same as snapshot(), but only the given zones and their own input signals, and without
   * temperatureRisePerMin (a least-squares fit over the rate window; the gate keeps its own rise
   * tracker and never read it). A gate evaluation names its zones; judging every signal and zone
   * of the plant and fitting every zone's rise on each request was work thrown away, growing with
   * the plant.
   */
  zonesSnapshot(zoneIds: readonly string[], now: number = this.clock()): StoreSnapshot {
    const signals = new Map<string, SignalSample>();
    const zones = new Map<string, ZoneState>();
    for (const z of this.zones) {
      if (!zoneIds.includes(z.zoneId)) continue;
      for (const id of z.temperature) this.judge(id, signals, now);
      for (const id of z.power) this.judge(id, signals, now);
      zones.set(z.zoneId, zoneState(z, signals, now));
    }
    return { takenAt: now, signals, zones };
  }

  signalIds(): string[] {
    return [...this.entries.keys()];
  }

  /** stale_after_ms in force for a signal (zone limit, else 3 x poll period). */
  staleAfterMs(signalId: string): number | undefined {
    return this.entries.get(signalId)?.staleAfterMs;
  }

  /** Good samples of a signal within the history window (oldest first); [] without a history. */
  history(signalId: string, sinceMs?: number, now: number = this.clock()): HistoryPoint[] {
    const ring = this.entries.get(signalId)?.history;
    if (!ring) return [];
    const out: HistoryPoint[] = [];
    ring.forEachSince(Math.max(sinceMs ?? -Infinity, now - this.historyWindowMs), (ts, value) => out.push({ ts, value }));
    return out;
  }

  /** Count, min, max and least-squares rate of rise (units/min) over the last `windowMs`. */
  stats(signalId: string, windowMs: number = this.rateWindowMs, now: number = this.clock()): WindowStats | undefined {
    const ring = this.entries.get(signalId)?.history;
    if (!ring) return undefined;
    return windowStats(ring, now - Math.min(windowMs, this.historyWindowMs));
  }

  /** Bytes held by all histories (bounded by the caps). */
  historyBytes(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.history?.allocatedBytes ?? 0;
    return n;
  }

  private judge(id: string, into: Map<string, SignalSample>, now: number): void {
    const e = this.entries.get(id);
    if (e && !into.has(id)) into.set(id, withStaleness(e.sample, e.staleAfterMs, now));
  }

  private zoneStateWithRise(z: ZoneInputs, signals: ReadonlyMap<string, SignalSample>, now: number): ZoneState {
    const state = zoneState(z, signals, now);
    state.temperatureRisePerMin = this.zoneRise(z, now);
    return state;
  }

  private zoneRise(z: ZoneInputs, now: number): number | null {
    let rise: number | null = null;
    for (const id of z.temperature) {
      const ring = this.entries.get(id)?.history;
      if (!ring) continue;
      const r = windowStats(ring, now - this.rateWindowMs).ratePerMin;
      if (r !== null) rise = rise === null ? r : Math.max(rise, r);
    }
    return rise;
  }

  private set(e: SignalEntry, sample: SignalSample): void {
    e.sample = sample;
    for (const l of this.listeners) {
      // A failing subscriber must not cost the others (or the field layer) their samples.
      try {
        l(sample);
      } catch {
        this.listenerErrors++;
      }
    }
  }
}
