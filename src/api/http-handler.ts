/**
 * One HTTP adapter request: route (404/405), caller check (allowed_clients, 403), bounded body
 * (413), JSON (400), then the Flagger or Argo adapter over the engine. Field errors are 400 naming
 * the field; a gate that cannot evaluate is 503. A verdict is never a 5xx.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { DecisionContext } from '../gate/decision-log.ts';
import type { GateEngine } from '../gate/engine.ts';
import { GateNoZonesError, GateRequestError } from '../gate/request.ts';
import type { Logger } from '../log.ts';
import { argoEvaluate, parseArgoQuery } from './argo-adapter.ts';
import { identityOf, isAllowed, type ClientIdentity } from './client-identity.ts';
import { flaggerHook, parseFlaggerPayload } from './flagger-adapter.ts';
import type { FlaggerCanaries } from './flagger-canaries.ts';
import { HttpAdapterError, readJsonBody } from './http-body.ts';
import { ADAPTER_ROUTES } from './http-routes.ts';

export interface HttpHandlerOptions {
  engine: GateEngine;
  canaries: FlaggerCanaries;
  log: Logger;
  allowedClients: readonly string[] | undefined;
  clock: () => number;
}

const bySocket = new WeakMap<object, ClientIdentity | null>();

export async function handleAdapterRequest(o: HttpHandlerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const receivedNs = process.hrtime.bigint();
  const url = new URL(req.url ?? '/', 'http://adapter');
  const peer = peerOf(req);
  try {
    const route = ADAPTER_ROUTES.get(url.pathname);
    if (!route) throw new HttpAdapterError(404, 'LG_HTTP_NOT_FOUND', `no route ${url.pathname} (Flagger: POST /flagger/<hook>; Argo: GET or POST /argo/v1/evaluate)`);
    if (!route.methods.includes(req.method ?? '')) throw new HttpAdapterError(405, 'LG_HTTP_METHOD', `${req.method} is not allowed on ${url.pathname} (allowed: ${route.methods.join(', ')})`, { allow: route.methods.join(', ') });
    const id = identity(req);
    if (!isAllowed(id, o.allowedClients)) {
      o.log.warn({ event: 'gate_refused', method: url.pathname, peer, client_cn: id?.cn, client_sans: id?.sans }, `refused client "${id?.cn ?? '(none)'}": not in gate.tls.allowed_clients`);
      throw new HttpAdapterError(403, 'LG_HTTP_FORBIDDEN', `client "${id?.cn ?? ''}" is not in gate.tls.allowed_clients`);
    }
    const body = req.method === 'GET' ? undefined : await readJsonBody(req);
    const ctx: DecisionContext = { client: id?.cn ?? '', peer, via: route.kind, receivedNs };
    if (route.kind === 'argo') return send(res, 200, argoEvaluate(o.engine, parseArgoQuery(url.searchParams, body), ctx));
    const answer = flaggerHook(o.engine, o.canaries, route.hook, parseFlaggerPayload(body), ctx, o.clock());
    return send(res, answer.status, answer.body);
  } catch (err) {
    const { status, body, headers } = errorAnswer(err);
    if (status >= 500) o.log.error({ err, path: url.pathname }, `HTTP adapter cannot evaluate ${url.pathname}: ${(err as Error).message}`);
    else o.log.info({ event: 'http_rejected', status, path: url.pathname, method: req.method, peer, error: body.error }, `HTTP ${status} ${req.method} ${url.pathname}: ${body.error}`);
    // A body cut off at the size bound is left unread: close the connection instead of draining it.
    if (status === 413) headers['connection'] = 'close';
    send(res, status, body, headers);
  }
}

function errorAnswer(err: unknown): { status: number; body: { error: string; code: string; field?: string }; headers: Record<string, string> } {
  if (err instanceof HttpAdapterError) return { status: err.status, body: { error: err.message, code: err.code }, headers: { ...err.headers } };
  if (err instanceof GateRequestError) return { status: 400, body: { error: err.message, code: err.code, field: err.field }, headers: {} };
  if (err instanceof GateNoZonesError) return { status: 503, body: { error: err.message, code: err.code }, headers: {} };
  return { status: 503, body: { error: `the gate cannot evaluate: ${(err as Error).message ?? String(err)}`, code: 'LG_GATE_UNAVAILABLE' }, headers: {} };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return void res.end();
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text), ...headers }).end(text);
}

/** The client certificate's identity on a TLS socket (cached per connection), undefined on plaintext. */
function identity(req: IncomingMessage): ClientIdentity | undefined {
  const socket = req.socket as TLSSocket | null;
  if (!socket || typeof socket.getPeerCertificate !== 'function') return undefined;
  const hit = bySocket.get(socket);
  if (hit !== undefined) return hit ?? undefined;
  const cert = socket.getPeerCertificate();
  const id = cert && Object.keys(cert).length > 0 ? identityOf(cert) : undefined;
  bySocket.set(socket, id ?? null);
  return id;
}

function peerOf(req: IncomingMessage): string {
  const a = req.socket?.remoteAddress ?? '';
  return `${a.includes(':') ? `[${a}]` : a}:${req.socket?.remotePort ?? 0}`;
}
