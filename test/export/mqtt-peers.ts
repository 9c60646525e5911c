/**
 * Test peers for the MQTT tests: a real mosquitto on a free loopback port (aedes in-process where
 * mosquitto is missing locally; under CI=true mosquitto is required), a TCP proxy the test can
 * hold shut, a subscriber that records what arrives, and a Runtime around a small SignalStore.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { metrics } from '@opentelemetry/api';
import { connect, type MqttClient } from 'mqtt';
import { parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { createLogger } from '../../src/log.ts';
import { Readiness } from '../../src/readiness.ts';
import type { Runtime } from '../../src/runtime.ts';
import { SignalStore } from '../../src/signals/store.ts';
import { freePort, waitForPort } from '../helpers/net.ts';

export const MOSQUITTO = '/usr/sbin/mosquitto';

export function tempDir(t: TestContext, prefix = 'loopgate-mqtt-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}


export { freePort, waitForPort };

/** SIGKILL and wait for the exit (nothing to do when it is gone already). */
async function sigkill(c: ChildProcess | undefined): Promise<void> {
  if (!c || c.exitCode !== null) return;
  const exited = once(c, 'exit');
  c.kill('SIGKILL');
  await exited;
}

export interface Broker {
  port: number;
  kind: 'mosquitto' | 'aedes';
  /** SIGKILL (mosquitto) or drop every socket and stop listening (aedes). */
  kill(): Promise<void>;
  start(): Promise<void>;
  /** mosquitto's pid (for CPU/RSS in the benchmark). */
  pid(): number | undefined;
}

/** A broker for this test; skips (locally) or fails (CI=true) when mosquitto is missing and aedes is not allowed. */
export async function startBroker(t: TestContext, opts: { requireMosquitto?: boolean } = {}): Promise<Broker> {
  const port = await freePort();
  if (existsSync(MOSQUITTO)) {
    const dir = tempDir(t, 'loopgate-mosq-');
    const conf = join(dir, 'mosquitto.conf');
    writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 0\nlog_dest stderr\nlog_type error\n`);
    let child: ChildProcess | undefined;
    const broker: Broker = {
      port,
      kind: 'mosquitto',
      pid: () => child?.pid,
      async kill() {
        const c = child;
        child = undefined;
        await sigkill(c);
      },
      async start() {
        child = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
        child.stderr!.resume();
        await waitForPort(port);
      },
    };
    t.after(() => broker.kill());
    await broker.start();
    return broker;
  }
  if (process.env['CI'] === 'true') throw new Error(`${MOSQUITTO} is required under CI=true (apt-get install mosquitto)`);
  if (opts.requireMosquitto) {
    t.skip(`${MOSQUITTO} not installed`);
    throw new Error('skipped');
  }
  return startAedes(t, port);
}

async function startAedes(t: TestContext, port: number): Promise<Broker> {
  const { Aedes } = (await import('aedes')) as unknown as { Aedes: { createBroker(): Promise<{ handle: (s: Socket) => void; close(cb: () => void): void }> } };
  let server: Server | undefined;
  let aedes: { handle: (s: Socket) => void; close(cb: () => void): void } | undefined;
  const sockets = new Set<Socket>();
  const broker: Broker = {
    port,
    kind: 'aedes',
    pid: () => process.pid,
    async kill() {
      for (const s of sockets) s.destroy();
      sockets.clear();
      if (server) {
        const srv = server;
        server = undefined;
        await new Promise<void>((r) => srv.close(() => r()));
      }
      if (aedes) {
        const a = aedes;
        aedes = undefined;
        await new Promise<void>((r) => a.close(() => r()));
      }
    },
    async start() {
      const a = await Aedes.createBroker();
      aedes = a;
      server = createServer((s) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        a.handle(s);
      });
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
    },
  };
  t.after(() => broker.kill());
  await broker.start();
  return broker;
}

export interface ConfiguredMosquitto {
  /** Everything mosquitto logged so far (log_dest stderr; the config picks log_type). */
  log(): string;
  /** Resolves when the log matches (mosquitto's log is the only witness of e.g. the protocol level). */
  waitForLog(re: RegExp, what: string, ms?: number): Promise<void>;
  kill(): Promise<void>;
  /** (Re)starts with `conf`, or with the config it was last started with. */
  start(conf?: string): Promise<void>;
}

/**
 * A real mosquitto with a config of the test's own (TLS, client certificates, websockets), which
 * must open plain or TLS listeners on `ports`. Skips locally / fails under CI=true without mosquitto.
 * Run as root, mosquitto switches to the user `mosquitto`, who cannot read a temp dir of the test:
 * `user` keeps it as whoever runs the tests.
 */
export async function startMosquittoWith(t: TestContext, conf: string, ports: number[]): Promise<ConfiguredMosquitto | undefined> {
  if (!existsSync(MOSQUITTO)) {
    if (process.env['CI'] === 'true') throw new Error(`${MOSQUITTO} is required under CI=true (apt-get install mosquitto)`);
    t.skip(`${MOSQUITTO} not installed`);
    return undefined;
  }
  const dir = tempDir(t, 'loopgate-mosq-');
  const file = join(dir, 'mosquitto.conf');
  let current = conf;
  let child: ChildProcess | undefined;
  let log = '';
  const m: ConfiguredMosquitto = {
    log: () => log,
    async waitForLog(re, what, ms = 15_000) {
      const end = Date.now() + ms;
      while (!re.test(log)) {
        if (Date.now() > end) throw new Error(`timed out waiting for mosquitto to log ${what}; its log:\n${log}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async kill() {
      const c = child;
      child = undefined;
      await sigkill(c);
    },
    async start(next) {
      if (next !== undefined) current = next;
      writeFileSync(file, `user ${userInfo().username}\nlog_dest stderr\npersistence false\n${current}`);
      const c = spawn(MOSQUITTO, ['-c', file], { stdio: ['ignore', 'ignore', 'pipe'] });
      child = c;
      c.stderr!.setEncoding('utf8').on('data', (d: string) => (log += d));
      const exited = once(c, 'exit').then(() => {
        throw new Error(`mosquitto exited at start; its log:\n${log}`);
      });
      exited.catch(() => {});
      await Promise.race([Promise.all(ports.map((p) => waitForPort(p))), exited]);
    },
  };
  t.after(() => m.kill());
  await m.start();
  return m;
}

/** A TCP proxy in front of the broker that the test can hold shut (connections refused). */
export async function startProxy(t: TestContext, targetPort: number): Promise<{ port: number; open: boolean }> {
  const state = { port: 0, open: true };
  const sockets = new Set<Socket>();
  const srv = createServer((down) => {
    sockets.add(down);
    down.on('close', () => sockets.delete(down));
    if (!state.open) {
      down.destroy();
      return;
    }
    const up = netConnect(targetPort, '127.0.0.1');
    sockets.add(up);
    up.on('close', () => sockets.delete(up));
    down.pipe(up).pipe(down);
    const end = (): void => {
      up.destroy();
      down.destroy();
    };
    up.on('error', end).on('close', end);
    down.on('error', end).on('close', end);
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  state.port = (srv.address() as { port: number }).port;
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => srv.close(() => r()));
  });
  return state;
}

export interface Received {
  topic: string;
  payload: Buffer;
  retain: boolean;
}

/** A subscriber that records every message, connected and subscribed when this resolves. */
export async function subscriber(t: TestContext, port: number, topics: string[]): Promise<{ client: MqttClient; messages: Received[]; waitFor(pred: (m: Received[]) => boolean, what: string, ms?: number): Promise<void> }> {
  const client = connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, clean: true, protocolVersion: 4 });
  const messages: Received[] = [];
  client.on('message', (topic, payload, packet) => messages.push({ topic, payload: Buffer.from(payload), retain: packet.retain }));
  client.on('error', () => {});
  t.after(() => new Promise<void>((r) => client.end(true, () => r())));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  await client.subscribeAsync(topics, { qos: 1 });
  const waitFor = async (pred: (m: Received[]) => boolean, what: string, ms = 15_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!pred(messages)) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what} (${messages.length} messages so far)`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { client, messages, waitFor };
}

/** A config with one device of `signals` numeric signals (ids s0..sN-1) and one zone. */
export function testConfig(mqtt: Record<string, unknown>, opts: { signals?: number; loop?: boolean; deadband?: number } = {}): Config {
  const n = opts.signals ?? 2;
  const signals = Array.from({ length: n }, (_, i) => ({
    id: `s${i}`,
    kind: i === 0 ? 'temperature' : 'power',
    table: 'holding',
    address: i * 2,
    type: 'float32',
    unit: i === 0 ? 'Cel' : 'W',
    ...(opts.deadband !== undefined ? { deadband: opts.deadband } : {}),
  }));
  if (opts.loop) signals.push({ id: 'loop0', kind: 'temperature', table: 'holding', address: 100, type: 'uint16', unit: 'Cel', loop: { raw: [0, 27648], eu: [0, 100] } } as never);
  const doc = {
    site: 'plant-7',
    gateway_id: 'edge-t',
    log: { level: 'silent' },
    buses: [{ id: 'b1', transport: 'tcp', host: '127.0.0.1', port: 1502 }],
    devices: [{ id: 'plc-1', bus: 'b1', unit: 1, poll_ms: 1000, signals }],
    zones: n >= 2 ? [{ id: 'hall-a', temperature: ['s0'], power: ['s1'], limits: { temperature_max: 35, power_budget: 120000 } }] : [],
    mqtt: { max_interval_ms: 3_600_000, ...mqtt },
  };
  return parseConfig(JSON.stringify(doc), 'test.yaml');
}

export function testRuntime(config: Config, store = new SignalStore(config)): Runtime {
  return { config, log: createLogger({ level: 'silent' }), store, meter: metrics.getMeterProvider().getMeter('test'), readiness: new Readiness(), clock: Date.now };
}

/** Feeds `count` rounds of distinct values to every signal of device plc-1. */
export function feed(store: SignalStore, ids: string[], rounds: number, base = 0): void {
  for (let r = 0; r < rounds; r++) {
    const ts = Date.now();
    store.values('plc-1', ts, ids.map((id, i) => [id, base + r + i / 10] as const));
  }
}

/** A pino destination that keeps every JSON line, for asserting what was logged. */
export function capture(): { lines: () => Record<string, unknown>[]; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** Polls `pred` until true (bounded); the condition is what the test waits for, not a duration. */
export async function until(pred: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
