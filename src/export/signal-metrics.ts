/**
 * Signal and zone metrics, read from the store at collection time (no cost per sample). They are
 * an OpenTelemetry MetricProducer registered on both readers (/metrics and OTLP): each reader's
 * collect takes ONE store snapshot and turns it into gauge (and hw.energy sum) data points whose
 * attribute objects are built once at startup. Why not observable gauges on the Meter: the SDK
 * hashes every observation's attributes and keeps per-reader accumulations, 350 ms per collection
 * at 10k signals on the benchmark machine; this producer builds the same OTel MetricData directly
 * (see README, "Metrics scrape benchmark"). Self-metrics of the other layers stay on the Meter.
 */
import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type CollectionResult, type DataPoint, type MetricData, type MetricDescriptor, type MetricProducer } from '@opentelemetry/sdk-metrics';
import type { Config } from '../config/schema.ts';
import type { Quality, StoreSnapshot } from '../signals/sample.ts';
import { VERSION } from '../version.ts';
import { hwMetricFor, type HwMetric } from './signal-units.ts';

const qualities: readonly Quality[] = ['good', 'uncertain', 'bad'];
export const SIGNAL_SCOPE = { name: 'loopgate.signals', version: VERSION };

const d = (name: string, unit: string, description: string): MetricDescriptor => ({ name, unit, description, valueType: ValueType.DOUBLE });
/** Every metric this producer emits (README lists them with their Prometheus names). */
export const signalDescriptors = {
  'hw.temperature': d('hw.temperature', 'Cel', 'Temperature reading of a sensor (signals of kind temperature)'),
  'hw.power': d('hw.power', 'W', 'Instantaneous power of a sensor (signals of kind power)'),
  'hw.voltage': d('hw.voltage', 'V', 'Voltage reading of a sensor (signals of kind voltage)'),
  'hw.current': d('hw.current', 'A', 'Current reading of a sensor (signals of kind current)'),
  'hw.energy': d('hw.energy', 'J', 'Energy counter of a meter (signals of kind energy)'),
  value: d('loopgate.signal.value', '1', 'Engineering value of a signal without an hw.* metric (flow, level, generic, or a unit hw.* cannot take); its UCUM unit is the loopgate.unit attribute'),
  quality: d('loopgate.signal.quality', '1', 'Signal quality as a state set: 1 for the current loopgate.quality (good, uncertain, bad), 0 for the others'),
  loop: d('loopgate.signal.loop_current', 'mA', '4-20 mA loop current of the signal (NAMUR NE43: <3.6 or >21 mA is a failure)'),
  age: d('loopgate.signal.age', 's', "Age of the signal's last good or uncertain value at collection time"),
  limit: d('hw.temperature.limit', 'Cel', "Temperature limit of a zone's sensor (hw.limit_type high.critical = temperature_max, high.degraded = temperature_max - temperature_margin)"),
  margin: d('hw.host.heating_margin', 'Cel', "Headroom of the zone: temperature_max minus the zone's highest temperature"),
  zoneTemp: d('loopgate.zone.temperature', 'Cel', "Highest usable temperature of the zone's signals"),
  zonePower: d('loopgate.zone.power', 'W', "Sum of the zone's power signals (absent when any is unusable)"),
  zoneBudget: d('loopgate.zone.power.budget', 'W', 'Power budget of the zone (limits.power_budget)'),
  zoneQuality: d('loopgate.zone.quality', '1', 'Worst input quality of the zone as a state set (1 = current loopgate.quality)'),
  zoneAge: d('loopgate.zone.input.age', 's', "Age of the zone's oldest input value"),
} as const;
type Key = keyof typeof signalDescriptors;

interface SignalPlan {
  hw: { key: HwMetric['name']; convert: (v: number) => number } | undefined;
  attrs: Attributes;
  qualityAttrs: Record<Quality, Attributes>;
}

interface ZonePlan {
  id: string;
  limit: number;
  degraded: number;
  budget: number;
  attrs: Attributes;
  marginAttrs: Attributes;
  limitAttrs: Attributes[];
  qualityAttrs: Record<Quality, Attributes>;
}

export class SignalMetricProducer implements MetricProducer {
  private readonly signals = new Map<string, SignalPlan>();
  private readonly zones: ZonePlan[];
  private readonly resource: Resource;
  private readonly startTime: HrTime = millisToHrTime(Date.now());
  private snapshot: (() => StoreSnapshot) | undefined;

  constructor(config: Pick<Config, 'devices' | 'zones'>, resource: Resource) {
    this.resource = resource;
    const zonesOf = new Map<string, string[]>();
    for (const z of config.zones) for (const id of [...z.temperature, ...z.power]) zonesOf.set(id, [...(zonesOf.get(id) ?? []), z.id]);
    for (const dev of config.devices) {
      for (const sig of dev.signals) {
        const zones = zonesOf.get(sig.id)?.join(',');
        const attrs: Attributes = { 'hw.id': sig.id, 'hw.name': sig.description ?? sig.id, 'hw.type': sig.kind, 'loopgate.device': dev.id, 'loopgate.bus': dev.bus, ...(zones ? { 'loopgate.zone': zones } : {}) };
        const mapped = hwMetricFor(sig.kind, sig.unit);
        this.signals.set(sig.id, {
          hw: mapped ? { key: mapped.metric.name, convert: mapped.convert } : undefined,
          attrs: mapped ? attrs : { ...attrs, 'loopgate.unit': sig.unit },
          qualityAttrs: stateSet({ 'hw.id': sig.id, 'loopgate.device': dev.id, 'loopgate.bus': dev.bus, ...(zones ? { 'loopgate.zone': zones } : {}) }),
        });
      }
    }
    this.zones = config.zones.map((z) => ({
      id: z.id,
      limit: z.limits.temperature_max,
      degraded: z.limits.temperature_max - z.limits.temperature_margin,
      budget: z.limits.power_budget,
      attrs: { 'loopgate.zone': z.id },
      marginAttrs: { 'loopgate.zone': z.id, 'hw.id': z.id },
      limitAttrs: z.temperature.flatMap((id) => {
        const base = { ...this.signals.get(id)?.attrs, 'hw.id': id, 'hw.type': 'temperature', 'loopgate.zone': z.id };
        return [{ ...base, 'hw.limit_type': 'high.critical' }, { ...base, 'hw.limit_type': 'high.degraded' }];
      }),
      qualityAttrs: stateSet({ 'loopgate.zone': z.id }),
    }));
  }

  /** Connects the store (the runtime exists only after the MeterProvider). Until then: no data. */
  bind(snapshot: (() => StoreSnapshot) | undefined): void {
    this.snapshot = snapshot;
  }

  async collect(): Promise<CollectionResult> {
    const scopeMetrics = this.snapshot ? [{ scope: SIGNAL_SCOPE, metrics: this.build(this.snapshot()) }] : [];
    return { resourceMetrics: { resource: this.resource, scopeMetrics }, errors: [] };
  }

  /** One snapshot -> every signal and zone metric. */
  build(snap: StoreSnapshot): MetricData[] {
    const startTime = this.startTime;
    const endTime = millisToHrTime(snap.takenAt);
    const points = new Map<Key, Array<DataPoint<number>>>();
    const add = (key: Key, value: number, attributes: Attributes): void => {
      let list = points.get(key);
      if (!list) points.set(key, (list = []));
      list.push({ startTime, endTime, attributes, value });
    };
    for (const [id, s] of snap.signals) {
      const plan = this.signals.get(id);
      if (!plan) continue;
      for (const q of qualities) add('quality', q === s.quality ? 1 : 0, plan.qualityAttrs[q]);
      if (s.lastValueTs !== null) add('age', (snap.takenAt - s.lastValueTs) / 1000, plan.attrs);
      if (s.loopMa !== undefined && s.quality !== 'bad') add('loop', s.loopMa, plan.attrs);
      // A bad (failed or stale) value is never exported as if it were a reading: quality says why.
      if (s.value === null || s.quality === 'bad') continue;
      if (plan.hw) add(plan.hw.key, plan.hw.convert(s.value), plan.attrs);
      else add('value', s.value, plan.attrs);
    }
    for (const z of this.zones) {
      const st = snap.zones.get(z.id);
      for (let i = 0; i < z.limitAttrs.length; i++) add('limit', i % 2 === 0 ? z.limit : z.degraded, z.limitAttrs[i]!);
      add('zoneBudget', z.budget, z.attrs);
      if (!st) continue;
      for (const q of qualities) add('zoneQuality', q === st.quality ? 1 : 0, z.qualityAttrs[q]);
      if (st.temperature !== null) {
        add('zoneTemp', st.temperature, z.attrs);
        add('margin', z.limit - st.temperature, z.marginAttrs);
      }
      if (st.power !== null) add('zonePower', st.power, z.attrs);
      if (Number.isFinite(st.oldestInputAgeMs)) add('zoneAge', st.oldestInputAgeMs / 1000, z.attrs);
    }
    const out: MetricData[] = [];
    for (const [key, dataPoints] of points) {
      const descriptor = signalDescriptors[key];
      out.push(
        key === 'hw.energy'
          ? { descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.SUM, isMonotonic: true, dataPoints }
          : { descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.GAUGE, dataPoints },
      );
    }
    return out;
  }
}

function stateSet(base: Attributes): Record<Quality, Attributes> {
  return { good: { ...base, 'loopgate.quality': 'good' }, uncertain: { ...base, 'loopgate.quality': 'uncertain' }, bad: { ...base, 'loopgate.quality': 'bad' } };
}
