/**
 * The gRPC server: loopgate.v1.Gate, grpc.health.v1 and (gate.reflection) server reflection on
 * gate.listen, with TLS/mTLS from gate.tls, keepalive and concurrency bounds. Stop: end Watch
 * streams, tryShutdown, forceShutdown at the drain bound.
 */
import * as grpc from '@grpc/grpc-js';
import { hostOf, isLoopback } from '../config/cross-check.ts';
import type { GateConfig } from '../config/schema.ts';
import { LoopgateError } from '../errors.ts';
import type { GateEngine } from '../gate/engine.ts';
import { boundedDelay, type Component } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import type { Readiness } from '../readiness.ts';
import { GateHealth } from './gate-health.ts';
import { gateHandlers, type WatchCall } from './gate-service.ts';
import { loadGateDefinition, loadGateGrpc, loadReflectionDefinition } from './proto-load.ts';
import { serverCredentials } from './server-credentials.ts';
import { tolerantService } from './malformed-request.ts';

export const GRPC_DRAIN_MS = 5_000;

/** Bounds on what one server accepts (keepalive pings detect dead controllers; streams and sizes cap memory). */
export const serverOptions: grpc.ServerOptions = {
  'grpc.keepalive_time_ms': 60_000,
  'grpc.keepalive_timeout_ms': 20_000,
  'grpc.max_concurrent_streams': 128,
  'grpc.max_connection_idle_ms': 30 * 60_000,
  'grpc.max_receive_message_length': 64 * 1024,
  'grpc.max_send_message_length': 4 * 1024 * 1024,
};

export interface GrpcServerOptions {
  gate: GateConfig;
  engine: GateEngine;
  readiness: Readiness;
  log: Logger;
  clock: () => number;
  drainMs?: number;
}

export class GrpcServer implements Component {
  readonly name = 'grpc';
  private readonly o: GrpcServerOptions;
  private readonly log: Logger;
  private server: grpc.Server | undefined;
  private health: GateHealth | undefined;
  private readonly watches = new Set<WatchCall>();
  private stopping: Promise<void> | undefined;
  /** The bound port (gate.listen may say 0). */
  port = 0;

  constructor(o: GrpcServerOptions) {
    this.o = o;
    this.log = o.log.child({ component: 'grpc' });
  }

  async start(): Promise<void> {
    const gate = this.o.gate;
    const creds = serverCredentials(gate);
    if (!gate.tls && !isLoopback(hostOf(gate.listen))) {
      this.log.warn({ event: 'insecure_listener', listen: gate.listen }, `INSECURE: the Gate API listens in plaintext on non-loopback ${gate.listen} (gate.insecure: true); any host that reaches it can ask for decisions and release reservations`);
    }
    const server = new grpc.Server(serverOptions);
    server.addService(tolerantService(loadGateGrpc(loadGateDefinition()).loopgate.v1.Gate.service, (m) => `loopgate.v1.${m}Request`), gateHandlers({ engine: this.o.engine, log: this.log, allowedClients: gate.tls?.allowed_clients, clock: this.o.clock, watches: this.watches }));
    this.health = new GateHealth(this.o.engine, this.o.readiness);
    this.health.impl.addToServer(server);
    if (gate.reflection) {
      // Imported only when served: gate.reflection: false saves loading it at all.
      const { ReflectionService } = await import('@grpc/reflection');
      new ReflectionService(loadReflectionDefinition()).addToServer(server);
    }
    try {
      this.port = await new Promise<number>((resolve, reject) => server.bindAsync(gate.listen, creds, (err, port) => (err ? reject(err) : resolve(port))));
    } catch (err) {
      server.forceShutdown();
      throw new LoopgateError('LG_GATE_BIND', `gate.listen: cannot listen on ${gate.listen}: ${(err as Error).message}`, { cause: err });
    }
    this.server = server;
    this.health.start();
    this.log.info({ event: 'listening', listen: gate.listen, port: this.port, tls: !!gate.tls, mtls: !!gate.tls?.client_ca, reflection: gate.reflection }, `Gate API listening on ${hostOf(gate.listen)}:${this.port}`);
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.health?.stop();
    for (const w of this.watches) w.end();
    this.watches.clear();
    const bound = boundedDelay(this.o.drainMs ?? GRPC_DRAIN_MS);
    const drained = new Promise<'drained'>((resolve) => server.tryShutdown(() => resolve('drained')));
    const outcome = await Promise.race([drained, bound.promise]);
    bound.cancel();
    if (outcome === 'timeout') {
      this.log.warn({ drain_ms: this.o.drainMs ?? GRPC_DRAIN_MS }, 'gRPC calls still open at the drain bound; forcing shutdown');
      server.forceShutdown();
    }
  }
}
