/**
 * OTLP/gRPC push: a reader of its own on the shared MeterProvider, collected every interval_ms and
 * sent with @opentelemetry/exporter-metrics-otlp-grpc. At most one export is in flight (a tick is
 * skipped while the previous one runs), a failed export is dropped, not queued (cumulative
 * temporality, the default, makes the next success carry the totals; with delta the failed
 * interval is lost), so memory stays bounded however long the collector is away. Failures are
 * counted (loopgate.metrics.otlp.exports{loopgate.result=error}) and logged at most once a minute;
 * the first success after a failure is logged once. After each collection `afterCollect` lets the
 * /metrics reader drain what the SDK stashed for it (see metrics-pull-reader.ts).
 */
import { readFileSync } from 'node:fs';
import { credentials, Metadata, type ChannelCredentials } from '@grpc/grpc-js';
import type { Counter, Meter } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { AggregationTemporality, InstrumentType, MetricReader, type MetricProducer, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Config } from '../config/schema.ts';
import type { Component } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import { LogThrottle } from './log-throttle.ts';
import { redactUrl } from './redact-url.ts';

export type OtlpConfig = NonNullable<Config['metrics']['otlp']>;

/** The reader the push loop collects; temporality per metrics.otlp.temporality. */
export class OtlpPushReader extends MetricReader {
  constructor(temporality: OtlpConfig['temporality'], cardinalityLimit: number, metricProducers: MetricProducer[] = []) {
    super({
      metricProducers,
      aggregationTemporalitySelector: (type) => (temporality === 'delta' && deltaTypes.has(type) ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE),
      cardinalitySelector: () => cardinalityLimit,
    });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** OTel's "delta" preference: monotonic sums and histograms go delta; up-down counters stay cumulative. */
const deltaTypes = new Set<InstrumentType>([InstrumentType.COUNTER, InstrumentType.OBSERVABLE_COUNTER, InstrumentType.HISTOGRAM]);

export function otlpExporter(cfg: OtlpConfig): OTLPMetricExporter {
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(cfg.headers ?? {})) metadata.set(k, v);
  return new OTLPMetricExporter({ url: cfg.endpoint, timeoutMillis: cfg.timeout_ms, metadata, credentials: channelCredentials(cfg) });
}

function channelCredentials(cfg: OtlpConfig): ChannelCredentials {
  if (!cfg.endpoint.startsWith('https:')) return credentials.createInsecure();
  const tls = cfg.tls;
  const read = (p: string | undefined): Buffer | null => (p ? readFileSync(p) : null);
  return credentials.createSsl(read(tls?.ca), read(tls?.key), read(tls?.cert));
}

export interface PushExporter {
  export(metrics: ResourceMetrics, done: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
}

export class OtlpPush implements Component {
  readonly name = 'otlp-push';
  private readonly cfg: OtlpConfig;
  private readonly reader: OtlpPushReader;
  private readonly exporter: PushExporter;
  private readonly log: Logger;
  private readonly exports: Counter;
  private readonly throttle = new LogThrottle();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private failing = false;
  private stopping: Promise<void> | undefined;
  private readonly afterCollect: () => Promise<unknown>;
  /** Ticks skipped because the previous export was still running. */
  skipped = 0;

  constructor(cfg: OtlpConfig, reader: OtlpPushReader, exporter: PushExporter, meter: Meter, log: Logger, afterCollect: () => Promise<unknown> = async () => undefined) {
    this.cfg = cfg;
    this.afterCollect = afterCollect;
    this.reader = reader;
    this.exporter = exporter;
    this.log = log.child({ component: 'otlp', endpoint: redactUrl(cfg.endpoint) });
    this.exports = meter.createCounter('loopgate.metrics.otlp.exports', { unit: '{export}', description: 'OTLP metric exports by loopgate.result (ok, error)' });
  }

  async start(): Promise<void> {
    this.timer = setInterval(() => this.tick(), this.cfg.interval_ms);
    this.timer.unref();
    this.log.info({ interval_ms: this.cfg.interval_ms, temporality: this.cfg.temporality }, 'OTLP push started');
  }

  /** One push now unless one is in flight; resolves when it is done. Never rejects. */
  tick(): Promise<void> {
    if (this.inFlight) {
      this.skipped++;
      return this.inFlight;
    }
    this.inFlight = this.pushOnce().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      clearInterval(this.timer);
      this.timer = undefined;
      await this.inFlight;
      if (!this.failing) await this.pushOnce(); // a last flush, skipped while the collector is away
      await this.exporter.shutdown().catch(() => undefined);
    })();
    return this.stopping;
  }

  private async pushOnce(): Promise<void> {
    try {
      const { resourceMetrics, errors } = await this.reader.collect({ timeoutMillis: this.cfg.timeout_ms });
      if (errors.length > 0) this.fail(new Error(errors.map(String).join('; ')), 'metric collection reported errors');
      await this.afterCollect(); // keeps an unscraped /metrics reader from stashing every collection
      const result = await new Promise<ExportResult>((resolve) => this.exporter.export(resourceMetrics, resolve));
      if (result.code === ExportResultCode.SUCCESS) {
        this.exports.add(1, { 'loopgate.result': 'ok' });
        if (this.failing) this.log.info('OTLP export resumed');
        this.failing = false;
      } else {
        this.fail(result.error, 'OTLP export failed');
      }
    } catch (err) {
      this.fail(err, 'OTLP export failed');
    }
  }

  private fail(err: unknown, msg: string): void {
    this.exports.add(1, { 'loopgate.result': 'error' });
    this.failing = true;
    const suppressed = this.throttle.take();
    if (suppressed !== undefined) this.log.warn({ err, suppressed }, `${msg} (logged at most once a minute)`);
  }
}
