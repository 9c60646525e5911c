/**
 * The series catalog built once from config: for every signal, which metric it feeds, the
 * conversion to that metric's unit and its attribute objects (built once and reused at every
 * collection, so serializers can cache their label text by object identity).
 */
import type { Attributes } from '@opentelemetry/api';
import type { Config, SignalKind, ZoneConfig } from '../config/schema.ts';
import type { Quality } from '../signals/sample.ts';
import { signalMetric } from './metric-names.ts';
import { converter, type Convert } from './unit-convert.ts';

export type ValueMetric = (typeof signalMetric)['temperature' | 'power' | 'voltage' | 'current' | 'energy' | 'value'];

export interface SignalSeries {
  id: string;
  metric: ValueMetric;
  convert: Convert;
  /** hw.id, hw.name, hw.type, loopgate.zone, loopgate.device, loopgate.bus (+ unit and kind for loopgate.signal.value). */
  attrs: Attributes;
  /** attrs + loopgate.quality, one object per quality. */
  qualityAttrs: Record<Quality, Attributes>;
}

export interface ZoneSeries {
  zone: ZoneConfig;
  attrs: Attributes;
  limitCritical: Attributes;
  limitDegraded: Attributes;
  qualityAttrs: Record<Quality, Attributes>;
  /**
   * The store aggregates the zone's signals in their configured unit: these convert the aggregate
   * to Cel / W, or are undefined when the zone mixes units (then the aggregate is not exported).
   */
  temperatureConvert: Convert | undefined;
  powerConvert: Convert | undefined;
}

export interface SeriesCatalog {
  signals: SignalSeries[];
  zones: ZoneSeries[];
}

const hwMetricOf: Partial<Record<SignalKind, { metric: ValueMetric; unit: string }>> = {
  temperature: { metric: signalMetric.temperature, unit: 'Cel' },
  power: { metric: signalMetric.power, unit: 'W' },
  voltage: { metric: signalMetric.voltage, unit: 'V' },
  current: { metric: signalMetric.current, unit: 'A' },
  energy: { metric: signalMetric.energy, unit: 'J' },
};

/** hw.type for each kind (semconv's hardware component types; 'power_supply' for feeds and meters). */
const hwTypeOf: Record<SignalKind, string> = {
  temperature: 'temperature',
  power: 'power_supply',
  current: 'power_supply',
  voltage: 'voltage',
  energy: 'power_supply',
  flow: 'other',
  level: 'other',
  generic: 'other',
};

const qualities: readonly Quality[] = ['good', 'uncertain', 'bad'];

function perQuality(attrs: Attributes): Record<Quality, Attributes> {
  const out = {} as Record<Quality, Attributes>;
  for (const q of qualities) out[q] = Object.freeze({ ...attrs, 'loopgate.quality': q });
  return out;
}

export function buildCatalog(config: Pick<Config, 'devices' | 'zones'>): SeriesCatalog {
  const zonesOf = new Map<string, string[]>();
  for (const z of config.zones) {
    for (const id of new Set([...z.temperature, ...z.power])) zonesOf.set(id, [...(zonesOf.get(id) ?? []), z.id]);
  }
  const signals: SignalSeries[] = [];
  for (const dev of config.devices) {
    for (const sig of dev.signals) {
      const hw = hwMetricOf[sig.kind];
      const convert = hw ? converter(sig.unit, hw.unit) : undefined;
      const metric: ValueMetric = hw && convert ? hw.metric : signalMetric.value;
      const attrs: Attributes = {
        'hw.id': sig.id,
        'hw.name': sig.description ?? sig.id,
        'hw.type': hwTypeOf[sig.kind],
        'loopgate.device': dev.id,
        'loopgate.bus': dev.bus,
      };
      // Zones the signal feeds, comma-separated; absent when none (as Prometheus treats "").
      const zones = zonesOf.get(sig.id);
      if (zones) attrs['loopgate.zone'] = zones.join(',');
      if (metric === signalMetric.value) {
        attrs['loopgate.kind'] = sig.kind;
        attrs['loopgate.unit'] = sig.unit;
      }
      Object.freeze(attrs);
      signals.push({ id: sig.id, metric, convert: convert ?? ((v) => v), attrs, qualityAttrs: perQuality(attrs) });
    }
  }
  const unitOf = new Map<string, string>();
  for (const dev of config.devices) for (const sig of dev.signals) unitOf.set(sig.id, sig.unit);
  const commonConvert = (ids: readonly string[], to: string): Convert | undefined => {
    const units = new Set(ids.map((id) => unitOf.get(id)));
    const [unit] = units;
    return units.size === 1 && unit !== undefined ? converter(unit, to) : undefined;
  };
  const zones: ZoneSeries[] = config.zones.map((zone) => {
    const attrs = Object.freeze({ 'loopgate.zone': zone.id });
    const limit = { 'hw.id': zone.id, 'hw.type': 'temperature', 'loopgate.zone': zone.id };
    return {
      zone,
      attrs,
      limitCritical: Object.freeze({ ...limit, 'hw.limit_type': 'high.critical' }),
      limitDegraded: Object.freeze({ ...limit, 'hw.limit_type': 'high.degraded' }),
      qualityAttrs: perQuality(attrs),
      temperatureConvert: commonConvert(zone.temperature, 'Cel'),
      powerConvert: commonConvert(zone.power, 'W'),
    };
  });
  return { signals, zones };
}
