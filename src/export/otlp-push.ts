/**
 * OTLP/gRPC push: @opentelemetry/exporter-metrics-otlp-grpc behind a wrapper that counts every
 * export by result (loopgate.otlp.exports), logs a failing collector at most once a minute and
 * says when export resumed. The PeriodicExportingMetricReader skips a run while the previous one
 * is in flight and the exporter keeps at most one request queued, so a dead collector costs at
 * most one batch of memory; nothing is spooled (the next cumulative push carries the totals).
 */
import { credentials, Metadata, type ChannelCredentials } from '@grpc/grpc-js';
import type { Counter } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { AggregationTemporality, PeriodicExportingMetricReader, type InstrumentType, type MetricProducer, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { MetricsConfig } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { RateLimit } from './rate-limit.ts';
import { readPrivateKey, readTlsFile } from './tls-files.ts';

export type OtlpConfig = NonNullable<MetricsConfig['otlp']>;

export interface OtlpPushDeps {
  config: OtlpConfig;
  log: Logger;
  /** Counter of exports by loopgate.result; bound after the meter exists. */
  exports: () => Counter | undefined;
  /** Runs after every export attempt (the idle-reader guard). */
  afterExport?: () => Promise<void>;
  metricProducers: MetricProducer[];
  clock?: () => number;
}

export function grpcCredentials(config: OtlpConfig): ChannelCredentials {
  const tls = config.tls;
  if (!config.endpoint.startsWith('https:') && !tls) return credentials.createInsecure();
  const ca = tls?.ca ? readTlsFile(tls.ca, 'OTLP CA') : null;
  const key = tls?.key ? readPrivateKey(tls.key, 'OTLP client key') : null;
  const cert = tls?.cert ? readTlsFile(tls.cert, 'OTLP client certificate') : null;
  return credentials.createSsl(ca, key, cert);
}

export class CountingExporter implements PushMetricExporter {
  private readonly inner: PushMetricExporter;
  private readonly deps: OtlpPushDeps;
  private readonly log: Logger;
  private readonly limit: RateLimit;
  private failing = false;
  failures = 0;
  successes = 0;

  constructor(inner: PushMetricExporter, deps: OtlpPushDeps) {
    this.inner = inner;
    this.deps = deps;
    this.log = deps.log.child({ component: 'otlp', endpoint: deps.config.endpoint });
    this.limit = new RateLimit(60_000, deps.clock);
  }

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    this.inner.export(metrics, (result) => {
      const ok = result.code === ExportResultCode.SUCCESS;
      this.deps.exports()?.add(1, { 'loopgate.result': ok ? 'ok' : 'failed' });
      if (ok) {
        this.successes++;
        if (this.failing) this.log.info({ failed_exports: this.failures }, 'OTLP export resumed');
        this.failing = false;
        this.limit.reset();
      } else {
        this.failures++;
        this.failing = true;
        if (this.limit.allow()) this.log.warn({ err: result.error, suppressed: this.limit.takeSuppressed() }, 'OTLP export failed (logged at most once a minute; counted in loopgate.otlp.exports)');
      }
      resultCallback(result);
      void this.deps.afterExport?.();
    });
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  selectAggregationTemporality(type: InstrumentType): AggregationTemporality {
    return this.inner.selectAggregationTemporality!(type);
  }
}

export function createOtlpReader(deps: OtlpPushDeps): { reader: PeriodicExportingMetricReader; exporter: CountingExporter } {
  const { config } = deps;
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(config.headers ?? {})) metadata.set(k, v);
  const inner = new OTLPMetricExporter({
    url: config.endpoint,
    credentials: grpcCredentials(config),
    metadata,
    timeoutMillis: config.timeout_ms,
    concurrencyLimit: 1,
    temporalityPreference: config.temporality === 'delta' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE,
  });
  const exporter = new CountingExporter(inner, deps);
  const reader = new PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: config.interval_ms,
    exportTimeoutMillis: Math.min(config.timeout_ms, config.interval_ms),
    metricProducers: deps.metricProducers,
  });
  return { reader, exporter };
}
