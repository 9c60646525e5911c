/**
 * The Prometheus scrape endpoint on our own node:http(s) server: GET /metrics (a collection of the
 * pull reader, serialized in the text exposition format), /healthz (the process answers) and
 * /readyz (Readiness: 200 when ready, 503 naming what is pending). TLS, with optional client
 * certificates and an allow-list of client CN/SAN, when metrics.prometheus.tls is set.
 */
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Config } from '../config/schema.ts';
import type { Component } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import type { Readiness } from '../readiness.ts';
import { parseListen } from './listen-address.ts';
import { LogThrottle } from './log-throttle.ts';
import type { MetricsPullReader } from './metrics-pull-reader.ts';
import { peerNames } from './peer-names.ts';

export type Serialize = (rm: ResourceMetrics) => string;
type PromConfig = Config['metrics']['prometheus'];

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export class MetricsHttpServer implements Component {
  readonly name = 'metrics-http';
  private readonly server: http.Server;
  private readonly throttle = new LogThrottle();
  private readonly cfg: PromConfig;
  private readonly log: Logger;
  private stopping: Promise<void> | undefined;

  constructor(cfg: PromConfig, reader: MetricsPullReader, serialize: Serialize, readiness: Readiness, log: Logger) {
    this.cfg = cfg;
    this.log = log.child({ component: 'metrics-http' });
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => void this.handle(req, res, reader, serialize, readiness);
    const tls = cfg.tls;
    this.server = tls
      ? https.createServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key), ...(tls.client_ca ? { ca: readFileSync(tls.client_ca), requestCert: true, rejectUnauthorized: true } : {}) }, handler)
      : http.createServer(handler);
    this.server.keepAliveTimeout = 65_000;
  }

  /** The bound address (port 0 resolved), after start(). */
  address(): AddressInfo {
    return this.server.address() as AddressInfo;
  }

  async start(): Promise<void> {
    const { host, port } = parseListen(this.cfg.listen);
    this.server.listen(port, host);
    await once(this.server, 'listening');
    const a = this.address();
    this.log.info({ listen: `${a.address}:${a.port}`, tls: this.cfg.tls !== undefined }, 'metrics endpoint listening');
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (!this.server.listening) return;
      const closed = once(this.server, 'close');
      this.server.close();
      this.server.closeAllConnections();
      await closed;
    })();
    return this.stopping;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, reader: MetricsPullReader, serialize: Serialize, readiness: Readiness): Promise<void> {
    try {
      const allowed = this.cfg.tls?.allowed_clients;
      if (allowed && !peerNames(req.socket as TLSSocket).some((n) => allowed.includes(n))) return reply(res, 403, 'client certificate not allowed\n');
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD');
        return reply(res, 405, 'method not allowed\n');
      }
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/metrics') {
        const { resourceMetrics, errors } = await reader.collect();
        if (errors.length > 0) this.warn({ errors: errors.map(String) }, 'metric collection reported errors');
        return reply(res, 200, serialize(resourceMetrics), CONTENT_TYPE);
      }
      if (path === '/healthz') return reply(res, 200, 'ok\n');
      if (path === '/readyz') {
        return readiness.isReady() ? reply(res, 200, 'ready\n') : reply(res, 503, `not ready; waiting for: ${readiness.waitingFor().join(', ') || 'startup'}\n`);
      }
      return reply(res, 404, 'not found; try /metrics, /healthz or /readyz\n');
    } catch (err) {
      this.warn({ err }, 'metrics request failed');
      if (!res.headersSent) reply(res, 500, 'metric collection failed\n');
      else res.destroy();
    }
  }

  private warn(obj: object, msg: string): void {
    const suppressed = this.throttle.take();
    if (suppressed !== undefined) this.log.warn({ ...obj, suppressed }, msg);
  }
}

function reply(res: http.ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
