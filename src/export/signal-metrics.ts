/**
 * Signal and zone metrics: observable instruments read from the store's snapshot at collection
 * time (no cost per sample). One batch callback takes ONE snapshot per collection and feeds every
 * instrument from it; each reader's collect runs it once, and it never touches the wire.
 */
import type { Attributes, BatchObservableResult, Meter, Observable } from '@opentelemetry/api';
import type { Config } from '../config/schema.ts';
import type { Quality, StoreSnapshot } from '../signals/sample.ts';
import { hwMetricFor, type HwMetric } from './signal-units.ts';

const qualities: readonly Quality[] = ['good', 'uncertain', 'bad'];

interface SignalPlan {
  /** hw.* instrument and converter; undefined: loopgate.signal.value. */
  hw: { instrument: Observable; convert: (v: number) => number } | undefined;
  attrs: Attributes;
  /** attrs + loopgate.quality, one per quality (state-set). */
  qualityAttrs: Record<Quality, Attributes>;
}

interface ZonePlan {
  id: string;
  limit: number;
  degraded: number;
  budget: number;
  attrs: Attributes;
  limitAttrs: Attributes[];
  qualityAttrs: Record<Quality, Attributes>;
}

export interface SignalMetrics {
  /** Removes the batch callback (stop). */
  close(): void;
}

export function registerSignalMetrics(meter: Meter, config: Pick<Config, 'devices' | 'zones'>, snapshot: () => StoreSnapshot): SignalMetrics {
  const hw = new Map<HwMetric['name'], Observable>();
  const hwInstrument = (m: HwMetric): Observable => {
    let inst = hw.get(m.name);
    if (!inst) {
      const opts = { unit: m.unit, description: hwDescriptions[m.name] };
      inst = m.name === 'hw.energy' ? meter.createObservableCounter(m.name, opts) : meter.createObservableGauge(m.name, opts);
      hw.set(m.name, inst);
    }
    return inst;
  };
  const value = meter.createObservableGauge('loopgate.signal.value', { unit: '1', description: 'Engineering value of a signal without an hw.* metric (flow, level, generic, or a unit hw.* cannot take); its UCUM unit is the loopgate.unit attribute' });
  const quality = meter.createObservableGauge('loopgate.signal.quality', { unit: '1', description: 'Signal quality as a state set: 1 for the current loopgate.quality (good, uncertain, bad), 0 for the others' });
  const loop = meter.createObservableGauge('loopgate.signal.loop_current', { unit: 'mA', description: '4-20 mA loop current of the signal (NAMUR NE43: <3.6 or >21 mA is a failure)' });
  const age = meter.createObservableGauge('loopgate.signal.age', { unit: 's', description: 'Age of the signal\'s last good or uncertain value at collection time' });
  const tempLimit = meter.createObservableGauge('hw.temperature.limit', { unit: 'Cel', description: 'Temperature limit of a zone\'s sensor (hw.limit_type high.critical = temperature_max, high.degraded = temperature_max - temperature_margin)' });
  const margin = meter.createObservableGauge('hw.host.heating_margin', { unit: 'Cel', description: 'Headroom of the zone: temperature_max minus the zone\'s highest temperature' });
  const zoneTemp = meter.createObservableGauge('loopgate.zone.temperature', { unit: 'Cel', description: 'Highest usable temperature of the zone\'s signals' });
  const zonePower = meter.createObservableGauge('loopgate.zone.power', { unit: 'W', description: 'Sum of the zone\'s power signals (absent when any is unusable)' });
  const zoneBudget = meter.createObservableGauge('loopgate.zone.power.budget', { unit: 'W', description: 'Power budget of the zone (limits.power_budget)' });
  const zoneQuality = meter.createObservableGauge('loopgate.zone.quality', { unit: '1', description: 'Worst input quality of the zone as a state set (1 = current loopgate.quality)' });
  const zoneAge = meter.createObservableGauge('loopgate.zone.input.age', { unit: 's', description: 'Age of the zone\'s oldest input value' });

  const zonesOf = new Map<string, string[]>();
  for (const z of config.zones) for (const id of [...z.temperature, ...z.power]) zonesOf.set(id, [...(zonesOf.get(id) ?? []), z.id]);

  const signals = new Map<string, SignalPlan>();
  for (const dev of config.devices) {
    for (const sig of dev.signals) {
      const attrs: Attributes = { 'hw.id': sig.id, 'hw.name': sig.description ?? sig.id, 'hw.type': sig.kind, 'loopgate.device': dev.id, 'loopgate.bus': dev.bus };
      const zones = zonesOf.get(sig.id);
      if (zones) attrs['loopgate.zone'] = zones.join(',');
      const mapped = hwMetricFor(sig.kind, sig.unit);
      const plan: SignalPlan = {
        hw: mapped ? { instrument: hwInstrument(mapped.metric), convert: mapped.convert } : undefined,
        attrs: mapped ? attrs : { ...attrs, 'loopgate.unit': sig.unit },
        qualityAttrs: stateSet({ 'hw.id': sig.id, 'loopgate.device': dev.id, 'loopgate.bus': dev.bus, ...(zones ? { 'loopgate.zone': zones.join(',') } : {}) }),
      };
      signals.set(sig.id, plan);
    }
  }

  const zones: ZonePlan[] = config.zones.map((z) => ({
    id: z.id,
    limit: z.limits.temperature_max,
    degraded: z.limits.temperature_max - z.limits.temperature_margin,
    budget: z.limits.power_budget,
    attrs: { 'loopgate.zone': z.id },
    limitAttrs: z.temperature.flatMap((id) => {
      const base = { ...signals.get(id)?.attrs, 'hw.id': id, 'hw.type': 'temperature', 'loopgate.zone': z.id };
      return [{ ...base, 'hw.limit_type': 'high.critical' }, { ...base, 'hw.limit_type': 'high.degraded' }];
    }),
    qualityAttrs: stateSet({ 'loopgate.zone': z.id }),
  }));

  const observables: Observable[] = [...hw.values(), value, quality, loop, age, tempLimit, margin, zoneTemp, zonePower, zoneBudget, zoneQuality, zoneAge];
  const callback = (r: BatchObservableResult): void => {
    const snap = snapshot();
    for (const [id, s] of snap.signals) {
      const plan = signals.get(id);
      if (!plan) continue;
      for (const q of qualities) r.observe(quality, q === s.quality ? 1 : 0, plan.qualityAttrs[q]);
      if (s.lastValueTs !== null) r.observe(age, (snap.takenAt - s.lastValueTs) / 1000, plan.attrs);
      if (s.loopMa !== undefined && s.quality !== 'bad') r.observe(loop, s.loopMa, plan.attrs);
      // A bad (failed or stale) value is never exported as if it were a reading: quality says why.
      if (s.value === null || s.quality === 'bad') continue;
      if (plan.hw) r.observe(plan.hw.instrument, plan.hw.convert(s.value), plan.attrs);
      else r.observe(value, s.value, plan.attrs);
    }
    for (const z of zones) {
      const st = snap.zones.get(z.id);
      for (let i = 0; i < z.limitAttrs.length; i++) r.observe(tempLimit, i % 2 === 0 ? z.limit : z.degraded, z.limitAttrs[i]);
      r.observe(zoneBudget, z.budget, z.attrs);
      if (!st) continue;
      for (const q of qualities) r.observe(zoneQuality, q === st.quality ? 1 : 0, z.qualityAttrs[q]);
      if (st.temperature !== null) {
        r.observe(zoneTemp, st.temperature, z.attrs);
        r.observe(margin, z.limit - st.temperature, { ...z.attrs, 'hw.id': z.id });
      }
      if (st.power !== null) r.observe(zonePower, st.power, z.attrs);
      if (Number.isFinite(st.oldestInputAgeMs)) r.observe(zoneAge, st.oldestInputAgeMs / 1000, z.attrs);
    }
  };
  meter.addBatchObservableCallback(callback, observables);
  return { close: () => meter.removeBatchObservableCallback(callback, observables) };
}

function stateSet(base: Attributes): Record<Quality, Attributes> {
  return { good: { ...base, 'loopgate.quality': 'good' }, uncertain: { ...base, 'loopgate.quality': 'uncertain' }, bad: { ...base, 'loopgate.quality': 'bad' } };
}

const hwDescriptions: Record<HwMetric['name'], string> = {
  'hw.temperature': 'Temperature reading of a sensor (signals of kind temperature)',
  'hw.power': 'Instantaneous power of a sensor (signals of kind power)',
  'hw.voltage': 'Voltage reading of a sensor (signals of kind voltage)',
  'hw.current': 'Current reading of a sensor (signals of kind current)',
  'hw.energy': 'Energy counter of a meter (signals of kind energy)',
};

