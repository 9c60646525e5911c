/**
 * The OTLP/gRPC metric exporter, alone in its module so that otlp-push.ts can import it only when
 * metrics.otlp is configured (see DeferredExporter there). Concurrency 1: at most one request in
 * flight, so a dead collector costs at most one batch of memory.
 */
import type { ChannelCredentials, Metadata } from '@grpc/grpc-js';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { AggregationTemporality, type PushMetricExporter } from '@opentelemetry/sdk-metrics';

export interface OtlpGrpcExporterOptions {
  url: string;
  credentials: ChannelCredentials;
  metadata: Metadata;
  timeoutMs: number;
  /** Delta temporality for counters and histograms; cumulative otherwise. */
  delta: boolean;
}

export function createOtlpGrpcExporter(o: OtlpGrpcExporterOptions): PushMetricExporter {
  return new OTLPMetricExporter({
    url: o.url,
    credentials: o.credentials,
    metadata: o.metadata,
    timeoutMillis: o.timeoutMs,
    concurrencyLimit: 1,
    temporalityPreference: o.delta ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE,
  });
}
