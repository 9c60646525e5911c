/**
 * Signal and zone metrics as an OpenTelemetry MetricProducer: every collection reads the store's
 * snapshot exactly once and turns it into gauge data points (no per-sample recording cost, no
 * per-reader state that could pile up, and no SDK cardinality cap of 2000 series per instrument).
 * One producer per reader: the reader's temporality decides how the energy counter is reported.
 */
import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import { AggregationTemporality, DataPointType, type CollectionResult, type DataPoint, type MetricData, type MetricProducer } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { Quality, StoreSnapshot } from '../signals/sample.ts';
import { VERSION } from '../version.ts';
import { signalMetric, zoneMetric } from './metric-names.ts';
import type { SeriesCatalog } from './signal-series.ts';

export type SnapshotSource = () => StoreSnapshot;

const severity: Record<Quality, number> = { good: 0, uncertain: 1, bad: 2 };

interface Descr {
  name: string;
  unit: string;
  description: string;
}

const d = (name: string, unit: string, description: string): Descr => ({ name, unit, description });
const descriptors = {
  [signalMetric.temperature]: d(signalMetric.temperature, 'Cel', 'Temperature reading of the signal (absent while its quality is bad)'),
  [signalMetric.power]: d(signalMetric.power, 'W', 'Power reading of the signal (absent while its quality is bad)'),
  [signalMetric.voltage]: d(signalMetric.voltage, 'V', 'Voltage reading of the signal (absent while its quality is bad)'),
  [signalMetric.current]: d(signalMetric.current, 'A', 'Electrical current reading of the signal (absent while its quality is bad)'),
  [signalMetric.energy]: d(signalMetric.energy, 'J', 'Energy counter of the meter'),
  [signalMetric.value]: d(signalMetric.value, '', 'Reading of a signal with no hw.* metric; its unit is the loopgate.unit attribute'),
  [signalMetric.quality]: d(signalMetric.quality, '1', 'Signal quality: 0 good, 1 uncertain, 2 bad; the state is the loopgate.quality attribute'),
  [signalMetric.age]: d(signalMetric.age, 's', 'Age of the signal\'s last good or uncertain value'),
  [signalMetric.loopCurrent]: d(signalMetric.loopCurrent, 'mA', '4-20 mA loop current of the signal'),
  [zoneMetric.temperatureLimit]: d(zoneMetric.temperatureLimit, 'Cel', 'Zone temperature limits: high.critical = temperature_max, high.degraded = max - margin'),
  [zoneMetric.heatingMargin]: d(zoneMetric.heatingMargin, 'Cel', 'Zone headroom: temperature_max - zone temperature'),
  [zoneMetric.temperature]: d(zoneMetric.temperature, 'Cel', 'Highest usable temperature of the zone'),
  [zoneMetric.power]: d(zoneMetric.power, 'W', 'Sum of the zone\'s power signals (absent when any is unusable)'),
  [zoneMetric.powerBudget]: d(zoneMetric.powerBudget, 'W', 'Power budget of the zone'),
  [zoneMetric.quality]: d(zoneMetric.quality, '1', 'Worst input quality of the zone: 0 good, 1 uncertain, 2 bad'),
  [zoneMetric.inputAge]: d(zoneMetric.inputAge, 's', 'Age of the zone\'s oldest input value'),
} as const;

type Name = keyof typeof descriptors;

export class SignalMetricProducer implements MetricProducer {
  private source: SnapshotSource | undefined;
  private readonly catalog: SeriesCatalog;
  private readonly temporality: AggregationTemporality;
  private readonly startTime: HrTime;
  /** Delta temporality only: the energy counter's value and time at the previous collection. */
  private readonly lastEnergy = new Map<string, number>();
  private lastCollection: HrTime;
  private readonly resource = resourceFromAttributes({});
  private readonly scope = { name: 'loopgate.signals', version: VERSION };

  constructor(catalog: SeriesCatalog, temporality: AggregationTemporality = AggregationTemporality.CUMULATIVE, startMs: number = Date.now()) {
    this.catalog = catalog;
    this.temporality = temporality;
    this.startTime = millisToHrTime(startMs);
    this.lastCollection = this.startTime;
  }

  /** Attaches the store (the runtime exists after the MeterProvider). Until then: no signal metrics. */
  bind(source: SnapshotSource): void {
    this.source = source;
  }

  async collect(): Promise<CollectionResult> {
    const metrics = this.source ? this.build(this.source()) : [];
    return { resourceMetrics: { resource: this.resource, scopeMetrics: metrics.length ? [{ scope: this.scope, metrics }] : [] }, errors: [] };
  }

  /** Builds the data points of one snapshot (exposed for benchmarks and tests). */
  build(snap: StoreSnapshot): MetricData[] {
    const now = millisToHrTime(snap.takenAt);
    const points = new Map<Name, DataPoint<number>[]>();
    const add = (name: Name, value: number, attributes: Attributes, startTime: HrTime = now): void => {
      let list = points.get(name);
      if (!list) points.set(name, (list = []));
      list.push({ startTime, endTime: now, attributes, value });
    };
    const delta = this.temporality === AggregationTemporality.DELTA;
    const energy: DataPoint<number>[] = [];
    for (const s of this.catalog.signals) {
      const sample = snap.signals.get(s.id);
      if (!sample) continue;
      add(signalMetric.quality, severity[sample.quality], s.qualityAttrs[sample.quality]);
      if (sample.lastValueTs !== null) add(signalMetric.age, Math.max(0, snap.takenAt - sample.lastValueTs) / 1000, s.attrs);
      // The loop current tells a wire break (bad, no value) apart from a stale reading (bad, old value): only the former shows.
      if (sample.loopMa !== undefined && (sample.quality !== 'bad' || sample.value === null)) add(signalMetric.loopCurrent, sample.loopMa, s.attrs);
      if (sample.value === null || sample.quality === 'bad') continue;
      const v = s.convert(sample.value);
      if (s.metric !== signalMetric.energy) {
        add(s.metric, v, s.attrs);
      } else if (!delta) {
        energy.push({ startTime: this.startTime, endTime: now, attributes: s.attrs, value: v });
      } else {
        const prev = this.lastEnergy.get(s.id);
        this.lastEnergy.set(s.id, v);
        // A counter that went down was reset (meter replaced or wrapped): its new value is the increase.
        energy.push({ startTime: this.lastCollection, endTime: now, attributes: s.attrs, value: prev === undefined ? 0 : v >= prev ? v - prev : v });
      }
    }
    for (const z of this.catalog.zones) {
      const state = snap.zones.get(z.zone.id);
      const lim = z.zone.limits;
      add(zoneMetric.temperatureLimit, lim.temperature_max, z.limitCritical);
      add(zoneMetric.temperatureLimit, lim.temperature_max - lim.temperature_margin, z.limitDegraded);
      add(zoneMetric.powerBudget, lim.power_budget, z.attrs);
      if (!state) continue;
      add(zoneMetric.quality, severity[state.quality], z.qualityAttrs[state.quality]);
      if (Number.isFinite(state.oldestInputAgeMs)) add(zoneMetric.inputAge, state.oldestInputAgeMs / 1000, z.attrs);
      if (state.temperature !== null && z.temperatureConvert) {
        const temp = z.temperatureConvert(state.temperature);
        add(zoneMetric.temperature, temp, z.attrs);
        add(zoneMetric.heatingMargin, lim.temperature_max - temp, z.attrs);
      }
      if (state.power !== null && z.powerConvert) add(zoneMetric.power, z.powerConvert(state.power), z.attrs);
    }
    this.lastCollection = now;
    const out: MetricData[] = [];
    for (const [name, dataPoints] of points) {
      out.push({ descriptor: { ...descriptors[name], valueType: ValueType.DOUBLE }, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.GAUGE, dataPoints });
    }
    if (energy.length) {
      out.push({ descriptor: { ...descriptors[signalMetric.energy], valueType: ValueType.DOUBLE }, aggregationTemporality: this.temporality, dataPointType: DataPointType.SUM, isMonotonic: true, dataPoints: energy });
    }
    return out;
  }
}
