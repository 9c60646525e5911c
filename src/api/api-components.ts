/**
 * The gate's components: the engine (zone status tick, reservations, learned models) and the gRPC
 * server over it. Pass `engine` to share one with other parts (e.g. MQTT publishing decisions via
 * `engine.onDecision`); the HTTP adapters will call `engine.evaluate` the same way.
 */
import { createGateEngine } from '../gate/create-engine.ts';
import type { GateEngine } from '../gate/engine.ts';
import type { Component } from '../lifecycle.ts';
import type { Runtime } from '../runtime.ts';
import { GrpcServer } from './grpc-server.ts';

export interface ApiComponentsOptions {
  engine?: GateEngine;
}

export function createApiComponents(rt: Runtime, opts: ApiComponentsOptions = {}): Component[] {
  const engine = opts.engine ?? createGateEngine(rt);
  const server = new GrpcServer({ gate: rt.config.gate, engine, readiness: rt.readiness, log: rt.log, clock: rt.clock });
  return [engine, server];
}
