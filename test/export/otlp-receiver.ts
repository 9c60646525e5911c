/**
 * An OTLP/gRPC metrics receiver for tests: grpc-js serving
 * opentelemetry.proto.collector.metrics.v1.MetricsService/Export, decoding each request with the
 * OTLP descriptor in fixtures/otlp and emitting it. Can be stopped and started again on its port.
 */
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

const protoFile = fileURLToPath(new URL('./fixtures/otlp/otlp-metrics-v1.proto', import.meta.url));

export interface OtlpKeyValue {
  key: string;
  value: { stringValue?: string; boolValue?: boolean; intValue?: string; doubleValue?: number; value?: string };
}
export interface OtlpNumberPoint {
  attributes: OtlpKeyValue[];
  asDouble?: number;
  asInt?: string;
  value?: string;
}
export interface OtlpMetric {
  name: string;
  description: string;
  unit: string;
  data?: 'gauge' | 'sum' | 'histogram';
  gauge?: { dataPoints: OtlpNumberPoint[] };
  sum?: { dataPoints: OtlpNumberPoint[]; aggregationTemporality: string; isMonotonic: boolean };
  histogram?: { dataPoints: Array<{ attributes: OtlpKeyValue[]; count: string; bucketCounts: string[]; explicitBounds: number[] }>; aggregationTemporality: string };
}
export interface OtlpRequest {
  resourceMetrics: Array<{ resource: { attributes: OtlpKeyValue[] }; scopeMetrics: Array<{ scope: { name: string; version: string }; metrics: OtlpMetric[] }> }>;
}

export class OtlpReceiver extends EventEmitter<{ export: [OtlpRequest] }> {
  readonly requests: OtlpRequest[] = [];
  /** gRPC metadata of each request (same order as requests). */
  readonly metadata: Array<Record<string, unknown>> = [];
  private server: grpc.Server | undefined;
  port = 0;

  async start(port = this.port): Promise<number> {
    const def = loadSync(protoFile, { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true });
    const service = (def['opentelemetry.proto.collector.metrics.v1.MetricsService'] as grpc.ServiceDefinition);
    const server = new grpc.Server();
    server.addService(service, {
      Export: (call: grpc.ServerUnaryCall<OtlpRequest, object>, cb: grpc.sendUnaryData<object>) => {
        this.metadata.push(call.metadata.getMap());
        this.requests.push(call.request);
        this.emit('export', call.request);
        cb(null, {});
      },
    });
    this.port = await new Promise<number>((resolve, reject) => server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    this.server = server;
    return this.port;
  }

  stop(): void {
    this.server?.forceShutdown();
    this.server = undefined;
  }
}

export function attrs(kvs: OtlpKeyValue[]): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const kv of kvs) {
    const v = kv.value;
    out[kv.key] = v.stringValue ?? v.doubleValue ?? v.boolValue ?? Number(v.intValue);
  }
  return out;
}

export function metricsOf(req: OtlpRequest): Map<string, OtlpMetric> {
  const out = new Map<string, OtlpMetric>();
  for (const rm of req.resourceMetrics) for (const sm of rm.scopeMetrics) for (const m of sm.metrics) out.set(m.name, m);
  return out;
}
