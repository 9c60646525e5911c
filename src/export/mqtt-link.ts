/**
 * One broker connection at a time, made by MQTT.js with its own reconnect and offline queue OFF
 * (reconnectPeriod 0, a fresh client per attempt): when a connection drops, the client is thrown
 * away with everything it had in flight (its callbacks fire with an error), and the spool resends
 * from its cursor. So nothing is queued twice (MQTT.js never resends on its own) and nothing is
 * lost (the spool keeps every message until its PUBACK). Reconnects back off (1 s ×1.6 ±20 %,
 * capped); MQTT 5 falls back to 3.1.1 when the broker refuses the protocol version.
 */
import type { IClientOptions, MqttClient } from 'mqtt';
import type { Logger } from '../log.ts';
import { Backoff, type BackoffOptions } from './mqtt-backoff.ts';
import { fillMqttPacketCache } from './mqtt-packet-cache.ts';
import { explainLinkError } from './mqtt-link-error.ts';
import { redactUrl } from './redact-url.ts';

export interface LinkWill {
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
  retain: boolean;
}

export interface LinkOptions {
  url: string;
  clientId: string;
  protocolVersion: 4 | 5;
  username?: string | undefined;
  password?: string | undefined;
  ca?: Buffer | undefined;
  cert?: Buffer | undefined;
  key?: Buffer | undefined;
  /** Built per attempt (Sparkplug's NDEATH carries the attempt's bdSeq). */
  will: () => LinkWill;
  log: Logger;
  backoff?: BackoffOptions;
  connectTimeoutMs?: number;
  /** A connection is up (CONNACK accepted). */
  onUp: (client: MqttClient, info: { receiveMaximum: number; protocolVersion: 4 | 5 }) => void;
  /** The connection that was up is gone. */
  onDown: () => void;
}

/** MQTT 5 reason codes / 3.1.1 return codes that mean "this broker does not speak v5". */
const UNSUPPORTED_VERSION = new Set([1, 0x84]);

export class MqttLink {
  private readonly o: LinkOptions;
  private readonly backoff: Backoff;
  private client: MqttClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private protocolVersion: 4 | 5;
  private stopped = false;
  private lastError = '';
  private failures = 0;
  /** Bumps on every connection up and down: callbacks of an older connection are ignored. */
  generation = 0;
  up = false;
  /** The URL for logs: never the password of its userinfo. */
  private readonly shownUrl: string;
  private connect: typeof import('mqtt').connect | undefined;

  constructor(opts: LinkOptions) {
    this.o = opts;
    this.shownUrl = redactUrl(opts.url);
    this.protocolVersion = opts.protocolVersion;
    this.backoff = new Backoff(opts.backoff);
  }

  /** Imports MQTT.js (only a daemon with config.mqtt loads it; a failed import fails start()) and connects. */
  async start(): Promise<void> {
    this.connect ??= (await import('mqtt')).connect;
    await fillMqttPacketCache();
    this.attempt();
  }

  current(): MqttClient | undefined {
    return this.up ? this.client : undefined;
  }

  /** Disconnects cleanly (DISCONNECT: no last will) or drops the socket when not connected. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const c = this.client;
    this.client = undefined;
    const wasUp = this.up;
    this.up = false;
    this.generation++;
    if (!c) return;
    // MQTT.js's own 'close' listener clears its CONNACK timer: never remove listeners wholesale.
    // Ours ignore a client that is no longer this.client.
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => c.end(true, () => resolve()), 2000);
      t.unref();
      c.end(!wasUp, () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  private attempt(): void {
    if (this.stopped || !this.connect) return;
    const connect = this.connect;
    const will = this.o.will();
    const opts: IClientOptions = {
      clientId: this.o.clientId,
      protocolVersion: this.protocolVersion,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: this.o.connectTimeoutMs ?? 10_000,
      queueQoSZero: false,
      resubscribe: false,
      keepalive: 30,
      will: { topic: will.topic, payload: will.payload, qos: will.qos, retain: will.retain },
    };
    if (this.o.username !== undefined) opts.username = this.o.username;
    if (this.o.password !== undefined) opts.password = this.o.password;
    if (this.o.ca) opts.ca = this.o.ca;
    if (this.o.cert) opts.cert = this.o.cert;
    if (this.o.key) opts.key = this.o.key;
    if (this.protocolVersion === 5) opts.properties = { sessionExpiryInterval: 0 };
    let c: MqttClient;
    try {
      c = connect(this.o.url, opts);
    } catch (err) {
      this.fail(`cannot connect to ${this.shownUrl}: ${(err as Error).message}`, undefined);
      return;
    }
    this.client = c;
    let code: number | undefined;
    c.on('connect', (connack) => {
      if (this.client !== c) return;
      this.up = true;
      this.generation++;
      this.failures = 0;
      this.lastError = '';
      this.backoff.reset();
      this.o.log.info({ url: this.shownUrl, protocol_version: this.protocolVersion }, 'MQTT broker connected');
      this.o.onUp(c, { receiveMaximum: connack.properties?.receiveMaximum ?? 65535, protocolVersion: this.protocolVersion });
    });
    c.on('error', (err: Error & { code?: number | string }) => {
      code = typeof err.code === 'number' ? err.code : code;
      this.lastError = explainLinkError(err);
    });
    c.on('close', () => {
      if (this.client !== c) return;
      c.end(true);
      this.client = undefined;
      if (this.up) {
        this.up = false;
        this.generation++;
        this.o.log.warn({ url: this.shownUrl }, 'MQTT broker connection lost; spooling until it returns');
        this.o.onDown();
      }
      if (this.protocolVersion === 5 && code !== undefined && UNSUPPORTED_VERSION.has(code)) {
        this.protocolVersion = 4;
        this.o.log.warn({ url: this.shownUrl }, 'MQTT broker refused protocol version 5; falling back to 3.1.1');
        this.schedule(0);
        return;
      }
      this.fail(this.lastError || 'connection closed', code);
    });
  }

  private fail(reason: string, code: number | undefined): void {
    if (this.stopped) return;
    this.failures++;
    const delay = this.backoff.next();
    // Log the first failure, every change of reason, and then every 10th: loud enough, never a flood.
    if (this.failures === 1 || this.failures % 10 === 0 || reason !== this.lastLogged) {
      this.o.log.error({ url: this.shownUrl, reason, code, attempt: this.failures, retry_in_ms: delay }, 'MQTT broker unreachable; retrying with backoff');
      this.lastLogged = reason;
    }
    this.schedule(delay);
  }

  private lastLogged = '';

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.attempt(), ms);
    this.timer.unref();
  }
}
