/**
 * The Prometheus side's MetricReader: collected only when /metrics is scraped. It counts its
 * collections so the idle-reader guard (idle-reader-guard.ts) can tell when nobody scrapes.
 */
import { MetricReader, type CollectionResult, type MetricReaderOptions } from '@opentelemetry/sdk-metrics';

export class PullMetricReader extends MetricReader {
  /** Collections so far (scrapes and guard drains). */
  collections = 0;

  constructor(options?: MetricReaderOptions) {
    super(options);
  }

  override async collect(options?: { timeoutMillis?: number }): Promise<CollectionResult> {
    this.collections++;
    return super.collect(options);
  }

  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}
