/**
 * An OTLP/gRPC metrics receiver for tests: grpc-js serving
 * opentelemetry.proto.collector.metrics.v1.MetricsService from the official proto files
 * (test/fixtures/otlp-proto). Requests are decoded by proto-loader into plain objects.
 */
import { once, EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const protoRoot = fileURLToPath(new URL('../fixtures/otlp-proto/', import.meta.url));

export interface KeyValue {
  key: string;
  value: { stringValue?: string; intValue?: string; doubleValue?: number; boolValue?: boolean; value?: string };
}
export interface NumberPoint {
  attributes: KeyValue[];
  asDouble?: number;
  asInt?: string;
  startTimeUnixNano: string;
  timeUnixNano: string;
}
export interface OtlpMetric {
  name: string;
  description: string;
  unit: string;
  gauge?: { dataPoints: NumberPoint[] };
  sum?: { dataPoints: NumberPoint[]; aggregationTemporality: string; isMonotonic: boolean };
  histogram?: { dataPoints: Array<{ attributes: KeyValue[]; count: string; explicitBounds: number[]; bucketCounts: string[] }>; aggregationTemporality: string };
}
export interface ExportRequest {
  resourceMetrics: Array<{ resource: { attributes: KeyValue[] }; scopeMetrics: Array<{ scope: { name: string }; metrics: OtlpMetric[] }> }>;
}

const definition = protoLoader.loadSync('opentelemetry/proto/collector/metrics/v1/metrics_service.proto', {
  includeDirs: [protoRoot],
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  arrays: true,
  oneofs: true,
});
const pkg = grpc.loadPackageDefinition(definition) as unknown as {
  opentelemetry: { proto: { collector: { metrics: { v1: { MetricsService: { service: grpc.ServiceDefinition } } } } } };
};
const service = pkg.opentelemetry.proto.collector.metrics.v1.MetricsService.service;

export class OtlpReceiver extends EventEmitter<{ request: [ExportRequest, grpc.Metadata] }> {
  /** Requests received so far; only the last `keep` are retained (memory tests push hundreds). */
  received = 0;
  readonly requests: ExportRequest[] = [];
  private readonly keep: number;
  private server: grpc.Server | undefined;

  constructor(keep = 4) {
    super();
    this.keep = keep;
  }

  /** Binds 127.0.0.1:port (0 = any free port) and returns the port. */
  async start(port = 0, creds: grpc.ServerCredentials = grpc.ServerCredentials.createInsecure()): Promise<number> {
    const server = new grpc.Server();
    server.addService(service, {
      Export: (call: grpc.ServerUnaryCall<ExportRequest, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        this.received++;
        this.requests.push(call.request);
        if (this.requests.length > this.keep) this.requests.shift();
        this.emit('request', call.request, call.metadata);
        callback(null, {});
      },
    });
    const bound = await new Promise<number>((resolve, reject) => server.bindAsync(`127.0.0.1:${port}`, creds, (err, p) => (err ? reject(err) : resolve(p))));
    this.server = server;
    return bound;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.forceShutdown();
  }

  /** The next request to arrive. */
  async nextRequest(): Promise<ExportRequest> {
    const [req] = (await once(this, 'request')) as [ExportRequest];
    return req;
  }
}

export function attr(kvs: KeyValue[], key: string): string | number | boolean | undefined {
  const v = kvs.find((kv) => kv.key === key)?.value;
  if (!v) return undefined;
  return v.stringValue ?? v.doubleValue ?? v.boolValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined);
}

export function metricsOf(req: ExportRequest): OtlpMetric[] {
  return req.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
}
