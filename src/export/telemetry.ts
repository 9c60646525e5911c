/**
 * The OpenTelemetry side of the daemon: one MeterProvider (with the loopgate Resource) that every
 * component records on, two readers (Prometheus pull, OTLP/gRPC push, each optional), the signal
 * metrics produced from the store's snapshot at each collection, and the components that serve
 * or push them.
 */
import type { Counter, Meter } from '@opentelemetry/api';
import { AggregationTemporality, MeterProvider, type IMetricReader } from '@opentelemetry/sdk-metrics';
import type { Config } from '../config/schema.ts';
import type { Component } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import type { Runtime } from '../runtime.ts';
import { VERSION } from '../version.ts';
import { IdleReaderGuard } from './idle-reader-guard.ts';
import { exportMetric } from './metric-names.ts';
import { MetricsHttpServer } from './metrics-http.ts';
import { createOtlpReader, type OtlpReader } from './otlp-push.ts';
import { PullMetricReader } from './pull-reader.ts';
import { buildResource } from './resource.ts';
import { buildCatalog } from './signal-series.ts';
import { SignalMetricProducer } from './signal-producer.ts';

/** OTLP pushes the pull reader may miss before the guard drains it (1 minute at the default 10 s). */
export const IDLE_PULL_MAX_MISSED = 6;

export interface Telemetry {
  meter: Meter;
  /** Built once the runtime exists (signal metrics read the store). */
  components(rt: Runtime): Component[];
  /** Internals for tests and benchmarks. */
  readonly provider: MeterProvider;
  readonly pull: PullMetricReader | undefined;
  readonly otlp: OtlpReader | undefined;
  readonly guard: IdleReaderGuard | undefined;
}

export interface TelemetryOptions {
  host?: string;
}

export function createTelemetry(config: Config, log: Logger, opts: TelemetryOptions = {}): Telemetry {
  const catalog = buildCatalog(config);
  const producers: SignalMetricProducer[] = [];
  const readers: IMetricReader[] = [];
  let exports: Counter | undefined;

  let pull: PullMetricReader | undefined;
  if (config.metrics.prometheus.enabled) {
    // The scrape endpoint is done with a collection before the next one starts: reuse its points.
    const p = new SignalMetricProducer(catalog, { reusePoints: true });
    producers.push(p);
    pull = new PullMetricReader({ metricProducers: [p] });
    readers.push(pull);
  }
  let otlp: Telemetry['otlp'];
  let guard: IdleReaderGuard | undefined;
  const otlpConfig = config.metrics.otlp;
  if (otlpConfig) {
    const p = new SignalMetricProducer(catalog, { temporality: otlpConfig.temporality === 'delta' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE });
    producers.push(p);
    const pullReader = pull;
    otlp = createOtlpReader({
      config: otlpConfig,
      log,
      exports: () => exports,
      metricProducers: [p],
      afterExport: async () => guard?.tick(),
    });
    readers.push(otlp.reader);
    if (pullReader) guard = new IdleReaderGuard(pullReader, IDLE_PULL_MAX_MISSED);
  }

  const provider = new MeterProvider({ resource: buildResource(config, opts.host), readers });
  const meter = provider.getMeter('loopgate', VERSION);
  exports = meter.createCounter(exportMetric.otlpExports, { unit: '{export}', description: 'OTLP/gRPC export attempts by loopgate.result (ok | failed)' });
  const scrapes = meter.createCounter(exportMetric.scrapes, { unit: '{scrape}', description: 'Scrapes of /metrics by loopgate.result (ok | error)' });

  return {
    meter,
    provider,
    pull,
    otlp,
    get guard() {
      return guard;
    },
    components(rt: Runtime): Component[] {
      for (const p of producers) p.bind(() => rt.store.snapshot());
      // Started first, stopped last: the final OTLP push happens after everything else stopped.
      const out: Component[] = [providerComponent(provider, otlp)];
      if (pull) out.push(new MetricsHttpServer({ config: config.metrics.prometheus, reader: pull, readiness: rt.readiness, log: rt.log, scrapes }));
      return out;
    },
  };
}

/**
 * Stops the provider last among the metrics parts: a final OTLP push, then the readers close.
 * Its start() loads the OTLP exporter (imported only when configured), so a failure stops start-up.
 */
function providerComponent(provider: MeterProvider, otlp: OtlpReader | undefined): Component {
  let stopping: Promise<void> | undefined;
  return {
    name: 'meter-provider',
    start: async () => {
      await otlp?.load();
    },
    stop: () => {
      stopping ??= provider.shutdown({ timeoutMillis: 5000 }).catch(() => {});
      return stopping;
    },
  };
}
