/**
 * The OpenTelemetry side of the daemon: one MeterProvider (with the loopgate Resource) that every
 * component records on, its readers (the /metrics pull reader; the OTLP push reader when
 * metrics.otlp is set), the signal/zone instruments read from the store, and the components that
 * serve or push it all.
 */
import type { Meter } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { Config } from '../config/schema.ts';
import type { Component } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import type { Runtime } from '../runtime.ts';
import { VERSION } from '../version.ts';
import { MetricsHttpServer, type Serialize } from './metrics-http-server.ts';
import { MetricsPullReader } from './metrics-pull-reader.ts';
import { PrometheusText } from './prometheus-text.ts';
import { OtlpPush, OtlpPushReader, otlpExporter, type PushExporter } from './otlp-push.ts';
import { SignalMetricProducer } from './signal-metrics.ts';
import { telemetryResource } from './telemetry-resource.ts';

export interface Telemetry {
  meter: Meter;
  /** Built once the runtime exists (observable gauges read the store). */
  components(rt: Runtime): Component[];
}

export interface TelemetryOptions {
  /** The /metrics serializer (default: PrometheusText, equivalent to the stock OpenTelemetry one and faster). */
  serialize?: Serialize;
  /** Without a scrape for this long, each OTLP collection also drains the pull reader's stash; default 60 s. */
  idleDrainMs?: number;
  /** Replaces the OTLP/gRPC exporter (tests: an in-memory exporter implementing the same interface). */
  otlpExporter?: PushExporter;
}

/** Per-instrument cardinality limit: far above the SDK's default 2000 (one series per signal). */
export const CARDINALITY_LIMIT = 1_000_000;

/** The full telemetry, with the parts tests and benchmarks reach into. */
export interface TelemetryParts extends Telemetry {
  provider: MeterProvider;
  /** The /metrics reader (registered only when metrics.prometheus.enabled). */
  pullReader: MetricsPullReader;
  /** The OTLP push reader, when metrics.otlp is set. */
  pushReader: OtlpPushReader | undefined;
  serialize: Serialize;
}

export function createTelemetry(config: Config, log: Logger, opts: TelemetryOptions = {}): TelemetryParts {
  const resource = telemetryResource(config);
  const signals = new SignalMetricProducer(config, resource);
  const pullReader = new MetricsPullReader({ idleDrainMs: opts.idleDrainMs ?? 60_000, cardinalityLimit: CARDINALITY_LIMIT, metricProducers: [signals] });
  const otlp = config.metrics.otlp;
  const pushReader = otlp ? new OtlpPushReader(otlp.temporality, CARDINALITY_LIMIT, [signals]) : undefined;
  // A reader nobody collects would stash every collection of the other one: /metrics' reader is
  // registered only when /metrics is served.
  const readers = [...(config.metrics.prometheus.enabled ? [pullReader] : []), ...(pushReader ? [pushReader] : [])];
  const provider = new MeterProvider({ resource, readers });
  const meter = provider.getMeter('loopgate', VERSION);
  const text = new PrometheusText();
  const serialize = opts.serialize ?? ((rm) => text.serialize(rm));
  return {
    meter,
    provider,
    pullReader,
    pushReader,
    serialize,
    components(rt: Runtime): Component[] {
      // Start order = stop order reversed: the provider shuts down last, after the final OTLP flush.
      const parts: Component[] = [new SignalMetricsComponent(rt, provider, signals)];
      if (otlp && pushReader) parts.push(new OtlpPush(otlp, pushReader, opts.otlpExporter ?? otlpExporter(otlp), meter, log, () => pullReader.drainIfIdle()));
      if (config.metrics.prometheus.enabled) parts.push(new MetricsHttpServer(config.metrics.prometheus, pullReader, serialize, rt.readiness, log));
      return parts;
    },
  };
}

/** Connects the signal metrics to the store; on stop, shuts the provider down (last). */
class SignalMetricsComponent implements Component {
  readonly name = 'telemetry';
  private readonly rt: Runtime;
  private readonly provider: MeterProvider;
  private readonly signals: SignalMetricProducer;
  private stopping: Promise<void> | undefined;

  constructor(rt: Runtime, provider: MeterProvider, signals: SignalMetricProducer) {
    this.rt = rt;
    this.provider = provider;
    this.signals = signals;
  }

  async start(): Promise<void> {
    this.signals.bind(() => this.rt.store.snapshot());
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.signals.bind(undefined);
      try {
        await this.provider.shutdown({ timeoutMillis: 5000 });
      } catch (err) {
        this.rt.log.warn({ err, component: 'telemetry' }, 'meter provider shutdown failed');
      }
    })();
    return this.stopping;
  }
}
