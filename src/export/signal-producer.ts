/**
 * Signal and zone metrics as an OpenTelemetry MetricProducer: every collection reads the store's
 * snapshot exactly once and turns it into gauge data points (no per-sample recording cost, no
 * per-reader state that could pile up, and no SDK cardinality cap of 2000 series per instrument).
 * One producer per reader: the reader's temporality decides how the energy counter is reported.
 */
import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import { AggregationTemporality, DataPointType, type CollectionResult, type MetricData, type MetricProducer } from '@opentelemetry/sdk-metrics';
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

/** A data point the producer may rewrite at its next collection (DataPoint<number>, mutable). */
interface Point {
  startTime: HrTime;
  endTime: HrTime;
  attributes: Attributes;
  value: number;
}

/** One metric of a collection: its MetricData and how many of its points this collection filled. */
interface Slot {
  data: MetricData & { dataPoints: Point[] };
  used: number;
}

export interface SignalProducerOptions {
  temporality?: AggregationTemporality;
  startMs?: number;
  /**
   * Rewrite the previous collection's data point objects and arrays instead of allocating 4 per
   * signal (40k objects a scrape at 10k signals). Only for a consumer that is done with a
   * collection before the next one starts: the scrape endpoint serializes synchronously right
   * after collect(), and concurrent scrapes share one collection. Not for OTLP push, whose
   * exporter may still hold a collection (forceFlush overlapping a periodic export would hand it
   * the next collection's deltas).
   */
  reusePoints?: boolean;
}

export class SignalMetricProducer implements MetricProducer {
  private source: SnapshotSource | undefined;
  private readonly catalog: SeriesCatalog;
  private readonly temporality: AggregationTemporality;
  private readonly startTime: HrTime;
  private readonly reusePoints: boolean;
  /** Delta temporality only: the energy counter's value and time at the previous collection. */
  private readonly lastEnergy = new Map<string, number>();
  private lastCollection: HrTime;
  private readonly resource = resourceFromAttributes({});
  private readonly scope = { name: 'loopgate.signals', version: VERSION };
  /** Metrics by name, in order of first appearance; kept between collections when reusing points. */
  private slots = new Map<Name, Slot>();

  constructor(catalog: SeriesCatalog, opts: SignalProducerOptions = {}) {
    this.catalog = catalog;
    this.temporality = opts.temporality ?? AggregationTemporality.CUMULATIVE;
    this.startTime = millisToHrTime(opts.startMs ?? Date.now());
    this.reusePoints = opts.reusePoints ?? false;
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

  private slot(name: Name): Slot {
    let s = this.slots.get(name);
    if (!s) {
      const descriptor = { ...descriptors[name], valueType: ValueType.DOUBLE };
      const data: Slot['data'] =
        name === signalMetric.energy
          ? { descriptor, aggregationTemporality: this.temporality, dataPointType: DataPointType.SUM, isMonotonic: true, dataPoints: [] }
          : { descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.GAUGE, dataPoints: [] };
      this.slots.set(name, (s = { data, used: 0 }));
    }
    return s;
  }

  /** Builds the data points of one snapshot (exposed for benchmarks and tests). */
  build(snap: StoreSnapshot): MetricData[] {
    const now = millisToHrTime(snap.takenAt);
    if (!this.reusePoints) this.slots = new Map();
    for (const s of this.slots.values()) s.used = 0;
    const add = (name: Name, value: number, attributes: Attributes, startTime: HrTime = now): void => {
      const s = this.slot(name);
      const points = s.data.dataPoints;
      const p = points[s.used];
      if (p) {
        p.startTime = startTime;
        p.endTime = now;
        p.attributes = attributes;
        p.value = value;
      } else {
        points.push({ startTime, endTime: now, attributes, value });
      }
      s.used++;
    };
    const delta = this.temporality === AggregationTemporality.DELTA;
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
        add(signalMetric.energy, v, s.attrs, this.startTime);
      } else {
        const prev = this.lastEnergy.get(s.id);
        this.lastEnergy.set(s.id, v);
        // A counter that went down was reset (meter replaced or wrapped): its new value is the increase.
        add(signalMetric.energy, prev === undefined ? 0 : v >= prev ? v - prev : v, s.attrs, this.lastCollection);
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
    for (const s of this.slots.values()) {
      // Points past `used` belong to series absent from this snapshot.
      if (s.data.dataPoints.length !== s.used) s.data.dataPoints.length = s.used;
      if (s.used > 0) out.push(s.data);
    }
    return out;
  }
}
