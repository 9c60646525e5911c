/**
 * Staleness (DESIGN.md): a signal whose last value is older than its zone's stale_after_ms
 * (default 3 x its device's poll period) is bad "stale (age N ms)". The last value is never
 * presented as fresh; a sample that is already bad keeps its more specific reason.
 */
import type { Config } from '../config/schema.ts';
import type { SignalSample } from './sample.ts';

/** stale_after_ms per signal: the tightest of its zones' limits, else 3 x its device's poll_ms. */
export function staleAfterBySignal(config: Pick<Config, 'devices' | 'zones'>): Map<string, number> {
  const zoneStale = new Map<string, number>();
  for (const z of config.zones) {
    const limit = z.limits.stale_after_ms;
    if (limit === undefined) continue;
    for (const id of [...z.temperature, ...z.power]) zoneStale.set(id, Math.min(zoneStale.get(id) ?? Infinity, limit));
  }
  const out = new Map<string, number>();
  for (const dev of config.devices) for (const sig of dev.signals) out.set(sig.id, zoneStale.get(sig.id) ?? 3 * dev.poll_ms);
  return out;
}

export function staleReason(ageMs: number): string {
  return `stale (age ${Math.round(ageMs)} ms)`;
}

/** The sample as seen at `now`: bad "stale (age N ms)" once its last value is too old. */
export function withStaleness(sample: SignalSample, staleAfterMs: number, now: number): SignalSample {
  if (sample.lastValueTs === null || sample.quality === 'bad') return sample;
  const age = now - sample.lastValueTs;
  if (age <= staleAfterMs) return sample;
  return { ...sample, quality: 'bad', reason: staleReason(age) };
}
