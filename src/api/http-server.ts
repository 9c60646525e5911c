/**
 * The HTTP adapters' listener (gate.http.listen, switchable with gate.http.enabled): node:http, or
 * node:https with gate.tls's key pair and, with client_ca, required client certificates (mTLS)
 * checked against allowed_clients, like the gRPC listener. Stop: no new connections, idle ones
 * closed, open requests drained up to the bound, then cut.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import { createServer as createHttpServer } from '../http-builtin.ts';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { hostOf, isLoopback } from '../config/cross-check.ts';
import type { GateConfig } from '../config/schema.ts';
import { LoopgateError } from '../errors.ts';
import type { GateEngine } from '../gate/engine.ts';
import { boundedDelay, type Component } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import { FlaggerCanaries } from './flagger-canaries.ts';
import { handleAdapterRequest } from './http-handler.ts';
import { readTlsFiles } from './server-credentials.ts';

export const HTTP_DRAIN_MS = 5_000;
/** Flagger's webhook timeout is 10 s; nothing here should take a fraction of that. */
const REQUEST_TIMEOUT_MS = 10_000;

export interface HttpAdapterServerOptions {
  gate: GateConfig;
  listen: string;
  engine: GateEngine;
  log: Logger;
  clock: () => number;
  drainMs?: number;
}

export class HttpAdapterServer implements Component {
  readonly name = 'http-adapters';
  readonly canaries = new FlaggerCanaries();
  private readonly o: HttpAdapterServerOptions;
  private readonly log: Logger;
  private server: Server | undefined;
  private stopping: Promise<void> | undefined;

  constructor(o: HttpAdapterServerOptions) {
    this.o = o;
    this.log = o.log.child({ component: 'http-adapters' });
  }

  /** The bound port (the listen address may say 0). */
  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  async start(): Promise<void> {
    const { gate, listen } = this.o;
    const tls = readTlsFiles(gate);
    const handlerOpts = { engine: this.o.engine, canaries: this.canaries, log: this.log, allowedClients: gate.tls?.allowed_clients, clock: this.o.clock };
    const handler = (req: Parameters<typeof handleAdapterRequest>[1], res: Parameters<typeof handleAdapterRequest>[2]): void =>
      void handleAdapterRequest(handlerOpts, req, res).catch((err: unknown) => {
        this.log.error({ err }, 'HTTP adapter request failed');
        res.destroy();
      });
    const server: Server = tls
      ? createHttpsServer({ key: tls.key, cert: tls.cert, ...(tls.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}), minVersion: 'TLSv1.2' }, handler)
      : createHttpServer(handler);
    server.requestTimeout = REQUEST_TIMEOUT_MS;
    server.headersTimeout = REQUEST_TIMEOUT_MS;
    server.maxHeadersCount = 100;
    if (!tls && !isLoopback(hostOf(listen))) {
      this.log.warn({ event: 'insecure_listener', listen }, `INSECURE: the HTTP adapters listen in plaintext on non-loopback ${listen}; any host that reaches it can ask for decisions`);
    }
    const host = hostOf(listen);
    const port = Number(listen.slice(listen.lastIndexOf(':') + 1));
    server.listen(port, host);
    try {
      await Promise.race([once(server, 'listening'), once(server, 'error').then(([err]) => Promise.reject(err as Error))]);
    } catch (err) {
      server.close();
      throw new LoopgateError('LG_GATE_BIND', `gate.http.listen: cannot listen on ${listen}: ${(err as Error).message}`, { cause: err });
    }
    this.server = server;
    this.log.info({ event: 'listening', listen, port: this.port, tls: !!tls, mtls: !!tls?.clientCa }, `HTTP adapters (Flagger webhooks, Argo web metric) listening on ${host}:${this.port}`);
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    const closed = new Promise<'drained'>((resolve) => server.close(() => resolve('drained')));
    server.closeIdleConnections();
    const bound = boundedDelay(this.o.drainMs ?? HTTP_DRAIN_MS);
    const outcome = await Promise.race([closed, bound.promise]);
    bound.cancel();
    if (outcome === 'timeout') {
      this.log.warn({ drain_ms: this.o.drainMs ?? HTTP_DRAIN_MS }, 'HTTP adapter requests still open at the drain bound; closing their connections');
      server.closeAllConnections();
      await closed;
    }
  }
}
