/**
 * A promise-only client of loopgate.v1.Gate, for the `loopgate gate` command and the reference
 * rollout controller: Evaluate, ListZones, Release with a deadline each, Watch as a callback
 * stream. TLS when any of ca/cert/key is given; the private CA is always what verifies the server
 * (without --tls-ca grpc-js would fall back to the public store, so it is required then).
 */
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { LoopgateError } from '../errors.ts';
import type { EvaluateRequest } from '../gate/generated/loopgate/v1/EvaluateRequest.ts';
import type { GateClient as GrpcGateClient } from '../gate/generated/loopgate/v1/Gate.ts';
import type { ListZonesResponse__Output } from '../gate/generated/loopgate/v1/ListZonesResponse.ts';
import type { ReleaseRequest } from '../gate/generated/loopgate/v1/ReleaseRequest.ts';
import type { WatchEvent__Output } from '../gate/generated/loopgate/v1/WatchEvent.ts';
import type { Decision, ReleaseResponse } from '../gate/proto-types.ts';
import { loadGateGrpc } from './proto-load.ts';

export const DEFAULT_DEADLINE_MS = 5_000;

export interface GateClientTls {
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
}

export interface GateClientOptions {
  /** HOST:PORT of the Gate API. */
  target: string;
  tls?: GateClientTls | undefined;
  deadlineMs?: number;
}

/** The call failed (unreachable, deadline, refused, invalid argument); `grpcCode` says which. */
export class GateCallError extends LoopgateError {
  readonly grpcCode: number;
  constructor(method: string, err: grpc.ServiceError) {
    super('LG_GATE_CALL', `${method}: ${grpc.status[err.code] ?? err.code}: ${err.details || err.message}`, { cause: err });
    this.grpcCode = err.code;
  }
}

export function clientCredentials(tls: GateClientTls | undefined): grpc.ChannelCredentials {
  if (!tls || (tls.ca === undefined && tls.cert === undefined && tls.key === undefined)) return grpc.credentials.createInsecure();
  if (tls.ca === undefined) throw new LoopgateError('LG_CLIENT_TLS', '--tls-ca is required with TLS (the private CA that signed the gate\'s certificate)');
  if ((tls.cert === undefined) !== (tls.key === undefined)) throw new LoopgateError('LG_CLIENT_TLS', '--tls-cert and --tls-key go together');
  const read = (what: string, file: string | undefined): Buffer | null => {
    if (file === undefined) return null;
    try {
      return readFileSync(file);
    } catch (err) {
      throw new LoopgateError('LG_CLIENT_TLS', `${what}: cannot read ${file}: ${(err as Error).message}`, { cause: err });
    }
  };
  return grpc.credentials.createSsl(read('--tls-ca', tls.ca), read('--tls-key', tls.key), read('--tls-cert', tls.cert));
}

export class GateClient {
  private readonly client: GrpcGateClient;
  private readonly deadlineMs: number;

  constructor(o: GateClientOptions) {
    const Gate = loadGateGrpc().loopgate.v1.Gate;
    this.client = new Gate(o.target, clientCredentials(o.tls));
    this.deadlineMs = o.deadlineMs ?? DEFAULT_DEADLINE_MS;
  }

  evaluate(req: EvaluateRequest): Promise<Decision> {
    return this.unary('Evaluate', (cb) => this.client.Evaluate(req, this.opts(), cb));
  }

  listZones(): Promise<ListZonesResponse__Output> {
    return this.unary('ListZones', (cb) => this.client.ListZones({}, this.opts(), cb));
  }

  release(req: ReleaseRequest): Promise<ReleaseResponse> {
    return this.unary('Release', (cb) => this.client.Release(req, this.opts(), cb));
  }

  /** Streams zone status, decisions and heartbeats; `onEnd` gets the error (undefined when cancelled). Returns cancel. */
  watch(req: { zones?: string[]; heartbeat_seconds?: number }, onEvent: (ev: WatchEvent__Output) => void, onEnd: (err: GateCallError | undefined) => void): () => void {
    const call = this.client.Watch(req);
    let cancelled = false;
    call.on('data', onEvent);
    call.on('error', (err: grpc.ServiceError) => onEnd(cancelled && err.code === grpc.status.CANCELLED ? undefined : new GateCallError('Watch', err)));
    call.on('end', () => onEnd(undefined));
    return () => {
      cancelled = true;
      call.cancel();
    };
  }

  close(): void {
    this.client.close();
  }

  private opts(): grpc.CallOptions {
    return { deadline: Date.now() + this.deadlineMs };
  }

  private unary<T>(method: string, start: (cb: (err: grpc.ServiceError | null, res?: T) => void) => unknown): Promise<T> {
    return new Promise((resolve, reject) => {
      start((err, res) => (err ? reject(new GateCallError(method, err)) : resolve(res as T)));
    });
  }
}
