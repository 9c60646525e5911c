/**
 * The loopgate.v1.Gate handlers: a thin skin over the GateEngine. Every call is checked against
 * gate.tls.allowed_clients first (PERMISSION_DENIED, audited). A HOLD or DENY is an OK reply.
 */
import * as grpc from '@grpc/grpc-js';
import type { GateEngine } from '../gate/engine.ts';
import type { GateHandlers } from '../gate/generated/loopgate/v1/Gate.ts';
import type { WatchEvent } from '../gate/generated/loopgate/v1/WatchEvent.ts';
import type { WatchRequest__Output } from '../gate/generated/loopgate/v1/WatchRequest.ts';
import type { WatchEvent__Output } from '../gate/generated/loopgate/v1/WatchEvent.ts';
import { validateZones, GateRequestError } from '../gate/request.ts';
import { toTimestamp } from '../gate/timestamp.ts';
import type { Logger } from '../log.ts';
import { clientIdentity, isAllowed, type ClientIdentity } from './client-identity.ts';
import { toServiceError } from './grpc-status.ts';
import { malformedError } from './malformed-request.ts';

export const DEFAULT_HEARTBEAT_S = 15;
/** A Watch client this many events behind is cut off (RESOURCE_EXHAUSTED) rather than buffered forever. */
export const MAX_WATCH_BACKLOG = 1000;

type Call = Parameters<typeof clientIdentity>[0] & { getPeer(): string };
export type WatchCall = grpc.ServerWritableStream<WatchRequest__Output, WatchEvent>;

export interface GateServiceOptions {
  engine: GateEngine;
  log: Logger;
  allowedClients: readonly string[] | undefined;
  clock: () => number;
  /** Open Watch streams, ended on stop. */
  watches: Set<WatchCall>;
}

export function gateHandlers(o: GateServiceOptions): GateHandlers {
  const authorize = (call: Call, method: string): { ok: true; id: ClientIdentity | undefined } | { ok: false; err: Partial<grpc.ServiceError> } => {
    const id = clientIdentity(call);
    if (isAllowed(id, o.allowedClients)) return { ok: true, id };
    o.log.warn({ event: 'gate_refused', method, peer: call.getPeer(), client_cn: id?.cn, client_sans: id?.sans }, `refused client "${id?.cn ?? '(none)'}": not in gate.tls.allowed_clients`);
    return { ok: false, err: { code: grpc.status.PERMISSION_DENIED, details: `client "${id?.cn ?? ''}" is not in gate.tls.allowed_clients` } };
  };
  const ctx = (call: Call, id: ClientIdentity | undefined, receivedNs: bigint) => ({ client: id?.cn ?? '', peer: call.getPeer(), via: 'grpc', receivedNs });

  return {
    Evaluate(call, callback) {
      const receivedNs = process.hrtime.bigint();
      const auth = authorize(call, 'Evaluate');
      if (!auth.ok) return callback(auth.err);
      const malformed = malformedError(call.request);
      if (malformed) return callback(malformed);
      if (call.cancelled) return undefined;
      try {
        callback(null, o.engine.evaluate(call.request, ctx(call, auth.id, receivedNs)));
      } catch (err) {
        callback(toServiceError(err));
      }
      return undefined;
    },

    ListZones(call, callback) {
      const auth = authorize(call, 'ListZones');
      if (!auth.ok) return callback(auth.err);
      const malformed = malformedError(call.request);
      if (malformed) return callback(malformed);
      try {
        callback(null, o.engine.listZones());
      } catch (err) {
        callback(toServiceError(err));
      }
      return undefined;
    },

    Release(call, callback) {
      const auth = authorize(call, 'Release');
      if (!auth.ok) return callback(auth.err);
      const malformed = malformedError(call.request);
      if (malformed) return callback(malformed);
      try {
        callback(null, o.engine.release(call.request, ctx(call, auth.id, process.hrtime.bigint())));
      } catch (err) {
        callback(toServiceError(err));
      }
      return undefined;
    },

    Watch(call) {
      const auth = authorize(call, 'Watch');
      if (!auth.ok) return void call.emit('error', auth.err);
      const malformed = malformedError(call.request);
      if (malformed) return void call.emit('error', malformed);
      let zones: string[];
      let heartbeatS: number;
      try {
        zones = validateZones('zones', call.request.zones, o.engine.zoneIds());
        heartbeatS = heartbeat(call.request.heartbeat_seconds);
      } catch (err) {
        return void call.emit('error', toServiceError(err));
      }
      startWatch(o, call, zones, heartbeatS);
    },
  };
}

function heartbeat(s: number): number {
  if (s === 0) return DEFAULT_HEARTBEAT_S;
  if (!Number.isFinite(s) || s < 1 || s > 300) throw new GateRequestError('heartbeat_seconds', `expected 1-300 (or 0 for ${DEFAULT_HEARTBEAT_S}), found ${s}`);
  return s;
}

function startWatch(o: GateServiceOptions, call: WatchCall, zones: string[], heartbeatS: number): void {
  const watched = new Set(zones);
  let closed = false;
  const send = (ev: WatchEvent__Output): void => {
    if (closed) return;
    if (call.writableLength > MAX_WATCH_BACKLOG) {
      cleanup();
      o.log.warn({ event: 'gate_watch_dropped', peer: call.getPeer() }, 'Watch client too slow; stream ended');
      call.emit('error', { code: grpc.status.RESOURCE_EXHAUSTED, details: `more than ${MAX_WATCH_BACKLOG} events behind` });
      return;
    }
    call.write(ev);
  };
  const offStatus = o.engine.onZoneStatus((s) => watched.has(s.zone) && send({ zone: s, event: 'zone' }));
  const offDecision = o.engine.onDecision((d) => d.zones.some((z) => watched.has(z)) && send({ decision: d, event: 'decision' }));
  const timer = setInterval(() => send({ heartbeat: { at: toTimestamp(o.clock()), policy_version: o.engine.policyVersion }, event: 'heartbeat' }), heartbeatS * 1000);
  timer.unref();
  const cleanup = (): void => {
    if (closed) return;
    closed = true;
    offStatus();
    offDecision();
    clearInterval(timer);
    o.watches.delete(call);
  };
  o.watches.add(call);
  call.on('cancelled', cleanup);
  call.on('close', cleanup);
  call.on('error', cleanup);
  for (const s of o.engine.listZones().zones) if (watched.has(s.zone)) send({ zone: s, event: 'zone' });
}
