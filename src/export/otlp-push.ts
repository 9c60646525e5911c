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
import { AggregationTemporality, InstrumentType, PeriodicExportingMetricReader, type MetricProducer, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { MetricsConfig } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { RateLimit } from './rate-limit.ts';
import { readPrivateKey, readTlsFile } from './tls-files.ts';
import { redactUrl } from './redact-url.ts';

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
    this.log = deps.log.child({ component: 'otlp', endpoint: redactUrl(deps.config.endpoint) });
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

export interface OtlpReader {
  reader: PeriodicExportingMetricReader;
  exporter: CountingExporter;
  /** Imports and builds the gRPC exporter (telemetry's start() awaits it, so a failure stops start-up). */
  load(): Promise<void>;
}

export function createOtlpReader(deps: OtlpPushDeps): OtlpReader {
  const { config } = deps;
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(config.headers ?? {})) metadata.set(k, v);
  // Read now (TLS files, headers): a wrong path fails while the service is built, as before.
  const creds = grpcCredentials(config);
  const deferred = new DeferredExporter(config.temporality, async () => {
    const { createOtlpGrpcExporter } = await import('./otlp-grpc-exporter.ts');
    return createOtlpGrpcExporter({ url: config.endpoint, credentials: creds, metadata, timeoutMs: config.timeout_ms, delta: config.temporality === 'delta' });
  });
  const exporter = new CountingExporter(deferred, deps);
  const reader = new PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: config.interval_ms,
    exportTimeoutMillis: Math.min(config.timeout_ms, config.interval_ms),
    metricProducers: deps.metricProducers,
  });
  return { reader, exporter, load: async () => void (await deferred.load()) };
}

/**
 * The OTLP exporter's temporality choice (its `temporalityPreference` DELTA or CUMULATIVE),
 * answered without loading it: the meter asks for it as each instrument is created, before
 * start(). test/export/otlp-temporality.test.ts holds it equal to OTLPMetricExporter's own.
 */
export function otlpTemporality(preference: OtlpConfig['temporality'], type: InstrumentType): AggregationTemporality {
  if (preference !== 'delta') return AggregationTemporality.CUMULATIVE;
  return type === InstrumentType.UP_DOWN_COUNTER || type === InstrumentType.OBSERVABLE_UP_DOWN_COUNTER ? AggregationTemporality.CUMULATIVE : AggregationTemporality.DELTA;
}

/**
 * The gRPC exporter, imported on first use (start(), or an export before it): with its OTLP
 * transformer and generated protobuf code it is ~15 MB of RSS and 5 MB of heap that a daemon
 * without metrics.otlp never loads. An export while it loads waits for it; a failed import fails
 * that export (counted) and start().
 */
export class DeferredExporter implements PushMetricExporter {
  private readonly preference: OtlpConfig['temporality'];
  private readonly make: () => Promise<PushMetricExporter>;
  private inner: Promise<PushMetricExporter> | undefined;

  constructor(preference: OtlpConfig['temporality'], make: () => Promise<PushMetricExporter>) {
    this.preference = preference;
    this.make = make;
  }

  load(): Promise<PushMetricExporter> {
    this.inner ??= this.make();
    return this.inner;
  }

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    this.load().then(
      (e) => e.export(metrics, resultCallback),
      (err: unknown) => resultCallback({ code: ExportResultCode.FAILED, error: err instanceof Error ? err : new Error(String(err)) }),
    );
  }

  /** Nothing was ever exported when it never loaded: nothing to flush or shut down then. */
  async forceFlush(): Promise<void> {
    if (this.inner) await (await this.inner).forceFlush();
  }

  async shutdown(): Promise<void> {
    if (this.inner) await (await this.inner.catch(() => undefined))?.shutdown();
  }

  selectAggregationTemporality(type: InstrumentType): AggregationTemporality {
    return otlpTemporality(this.preference, type);
  }
}
