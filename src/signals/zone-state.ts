/**
 * Zone aggregates: the highest usable temperature, the total power (unusable when any feed is),
 * quality = worst input, and the age of the oldest input.
 */
import type { Quality, SignalSample, ZoneState } from './sample.ts';

const rank: Record<Quality, number> = { good: 0, uncertain: 1, bad: 2 };

export function worstQuality(a: Quality, b: Quality): Quality {
  return rank[a] >= rank[b] ? a : b;
}

export interface ZoneInputs {
  zoneId: string;
  temperature: readonly string[];
  power: readonly string[];
}

export function zoneState(zone: ZoneInputs, signals: ReadonlyMap<string, SignalSample>, now: number): ZoneState {
  let quality: Quality = 'good';
  const reasons: string[] = [];
  let oldest = 0;
  const inputs = [...zone.temperature, ...zone.power];
  for (const id of inputs) {
    const s = signals.get(id);
    if (!s) {
      quality = 'bad';
      reasons.push(`${id}: unknown signal`);
      oldest = Infinity;
      continue;
    }
    if (s.quality !== 'good') reasons.push(`${id}: ${s.reason}`);
    quality = worstQuality(quality, s.quality);
    oldest = Math.max(oldest, s.lastValueTs === null ? Infinity : now - s.lastValueTs);
  }
  let temperature: number | null = null;
  for (const id of zone.temperature) {
    const s = signals.get(id);
    if (s && s.value !== null && s.quality !== 'bad') temperature = temperature === null ? s.value : Math.max(temperature, s.value);
  }
  let power: number | null = 0;
  for (const id of zone.power) {
    const s = signals.get(id);
    if (!s || s.value === null || s.quality === 'bad') {
      power = null;
      break;
    }
    power += s.value;
  }
  return { zoneId: zone.zoneId, temperature, power, quality, reason: reasons.join('; '), oldestInputAgeMs: oldest };
}
