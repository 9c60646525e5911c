/**
 * Which samples go out: on change (beyond the signal's deadband; any change of quality, reason or
 * null-ness counts), or every sample (`mqtt.publish: every_sample`), and at least every
 * max_interval_ms. Pure state, no I/O.
 */
import type { SignalSample } from '../signals/sample.ts';

interface Last {
  value: number | null;
  quality: string;
  reason: string;
  at: number;
}

export class SignalFilter {
  private readonly last = new Map<string, Last>();
  private readonly deadbands: ReadonlyMap<string, number>;
  private readonly maxIntervalMs: number;
  private readonly everySample: boolean;

  constructor(deadbands: ReadonlyMap<string, number>, maxIntervalMs: number, mode: 'on_change' | 'every_sample' = 'on_change') {
    this.deadbands = deadbands;
    this.maxIntervalMs = maxIntervalMs;
    this.everySample = mode === 'every_sample';
  }

  /** True when `s` must be published now (and records it as published). */
  offer(s: SignalSample, now: number): boolean {
    const prev = this.last.get(s.signalId);
    // every_sample: a new reading goes out even when the heartbeat just republished the same value.
    if (prev && !this.everySample && !this.changed(prev, s) && now - prev.at < this.maxIntervalMs) return false;
    this.last.set(s.signalId, { value: s.value, quality: s.quality, reason: s.reason, at: now });
    return true;
  }

  /** Signals not published for max_interval_ms (the heartbeat republishes their latest sample). */
  due(now: number, ids: Iterable<string>): string[] {
    const out: string[] = [];
    for (const id of ids) {
      const prev = this.last.get(id);
      if (!prev || now - prev.at >= this.maxIntervalMs) out.push(id);
    }
    return out;
  }

  private changed(prev: Last, s: SignalSample): boolean {
    if (prev.quality !== s.quality || prev.reason !== s.reason) return true;
    if (prev.value === null || s.value === null) return prev.value !== s.value;
    const band = this.deadbands.get(s.signalId) ?? 0;
    return band === 0 ? prev.value !== s.value : Math.abs(s.value - prev.value) > band;
  }
}
