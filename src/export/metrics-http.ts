/**
 * The scrape endpoint: GET /metrics (the pull reader's collection through prom-text.ts, gzipped
 * when the scraper accepts it, as Prometheus does), /healthz (the process answers) and /readyz
 * (200 once every readiness condition is met, 503 naming what is still pending), over node:http,
 * or node:https when metrics.prometheus.tls is set.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpServer } from '../http-builtin.ts';
import { createServer as createHttpsServer } from 'node:https';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Counter } from '@opentelemetry/api';
import type { MetricsConfig } from '../config/schema.ts';
import type { Component } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import type { Readiness } from '../readiness.ts';
import { parseListen } from './listen-address.ts';
import { acceptsGzip } from './accept-encoding.ts';
import { ExpositionSource, type Exposition } from './exposition.ts';
import { contentType } from './prom-text.ts';
import type { PullMetricReader } from './pull-reader.ts';
import { RateLimit } from './rate-limit.ts';
import { readPrivateKey, readTlsFile } from './tls-files.ts';

export type PrometheusConfig = MetricsConfig['prometheus'];

export interface MetricsHttpDeps {
  config: PrometheusConfig;
  reader: PullMetricReader;
  readiness: Readiness;
  log: Logger;
  scrapes: Counter;
}

export class MetricsHttpServer implements Component {
  readonly name = 'metrics-http';
  private readonly deps: MetricsHttpDeps;
  private readonly log: Logger;
  private readonly errorLog = new RateLimit(60_000);
  private readonly exposition: ExpositionSource;
  private server: Server | undefined;
  private stopping: Promise<void> | undefined;

  constructor(deps: MetricsHttpDeps) {
    this.deps = deps;
    this.exposition = new ExpositionSource(() => deps.reader.collect());
    this.log = deps.log.child({ component: 'metrics-http' });
  }

  /** The bound address (after start): tests listen on port 0. */
  address(): AddressInfo {
    const a = this.server?.address();
    if (!a || typeof a === 'string') throw new Error('metrics endpoint is not listening');
    return a;
  }

  async start(): Promise<void> {
    const { config } = this.deps;
    const handler = (req: IncomingMessage, res: ServerResponse): void => void this.handle(req, res);
    const tls = config.tls;
    this.server = tls
      ? createHttpsServer(
          {
            cert: readTlsFile(tls.cert, 'metrics TLS certificate'),
            key: readPrivateKey(tls.key, 'metrics TLS key'),
            ...(tls.client_ca ? { ca: readTlsFile(tls.client_ca, 'metrics client CA'), requestCert: true, rejectUnauthorized: true } : {}),
          },
          handler,
        )
      : createHttpServer(handler);
    this.server.keepAliveTimeout = 65_000;
    const { host, port } = parseListen(config.listen);
    this.server.listen(port, host);
    await Promise.race([once(this.server, 'listening'), once(this.server, 'error').then(([err]) => Promise.reject(err as Error))]);
    const a = this.address();
    this.log.info({ listen: `${a.address}:${a.port}`, tls: Boolean(tls) }, 'metrics endpoint listening');
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const s = this.server;
      if (!s?.listening) return;
      const closed = once(s, 'close');
      s.close();
      s.closeIdleConnections();
      const bound = setTimeout(() => s.closeAllConnections(), 2000);
      bound.unref();
      await closed;
      clearTimeout(bound);
    })();
    return this.stopping;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'method not allowed\n', { allow: 'GET, HEAD' });
    if (path === '/healthz') return reply(res, 200, 'ok\n');
    if (path === '/readyz') {
      const r = this.deps.readiness;
      if (r.isReady()) return reply(res, 200, 'ready\n');
      const waiting = r.waitingFor();
      return reply(res, 503, waiting.length ? `not ready: waiting for ${waiting.join(', ')}\n` : 'not ready: starting\n');
    }
    if (path !== '/metrics') return reply(res, 404, 'not found: try /metrics, /healthz or /readyz\n');
    let exp: Exposition;
    try {
      exp = await this.exposition.get();
    } catch (err) {
      return this.failed(res, err);
    }
    // The body stays in use (a pooled buffer) until the response is done with it.
    if (res.closed) exp.release();
    else res.once('close', () => exp.release());
    try {
      if (exp.errors.length && this.errorLog.allow()) this.log.warn({ err: exp.errors[0], suppressed: this.errorLog.takeSuppressed() }, 'metric collection reported errors');
      const gzip = acceptsGzip(req.headers['accept-encoding']);
      // zlib runs on the threadpool: a 50k-signal body (28 MB) does not stall the event loop.
      const body = gzip ? await exp.gzipped() : exp.body;
      this.deps.scrapes.add(1, { 'loopgate.result': 'ok' });
      reply(res, 200, body, { 'content-type': contentType, vary: 'accept-encoding', ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
    } catch (err) {
      this.failed(res, err);
    }
  }

  private failed(res: ServerResponse, err: unknown): void {
    this.deps.scrapes.add(1, { 'loopgate.result': 'error' });
    if (this.errorLog.allow()) this.log.error({ err, suppressed: this.errorLog.takeSuppressed() }, 'scrape failed');
    reply(res, 500, 'collection failed\n');
  }
}

function reply(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
