/**
 * The gate's components: the engine (zone status tick, reservations, learned models), the gRPC
 * server over it and, with gate.http enabled, the HTTP adapters (Flagger webhooks, Argo Rollouts
 * web metric) calling the same `engine.evaluate`. Pass `engine` to share one with other parts
 * (e.g. MQTT publishing decisions via `engine.onDecision`).
 */
import { createGateEngine } from '../gate/create-engine.ts';
import type { GateEngine } from '../gate/engine.ts';
import type { Component } from '../lifecycle.ts';
import type { Runtime } from '../runtime.ts';
import { GrpcServer } from './grpc-server.ts';
import { HttpAdapterServer } from './http-server.ts';

export interface ApiComponentsOptions {
  engine?: GateEngine;
}

export function createApiComponents(rt: Runtime, opts: ApiComponentsOptions = {}): Component[] {
  const engine = opts.engine ?? createGateEngine(rt);
  const gate = rt.config.gate;
  const out: Component[] = [engine, new GrpcServer({ gate, engine, readiness: rt.readiness, log: rt.log, clock: rt.clock })];
  if (gate.http?.enabled) out.push(new HttpAdapterServer({ gate, listen: gate.http.listen, engine, log: rt.log, clock: rt.clock }));
  return out;
}
