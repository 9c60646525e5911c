/**
 * Test peers for the metrics tests: a small plant config, a Runtime around a real SignalStore fed
 * through its ReadingSink methods, the telemetry started on a loopback port 0, and scrape helpers.
 */
import { once } from 'node:events';
import { request } from 'node:http';
import type { TestContext } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { createTelemetry, type TelemetryOptions, type TelemetryParts } from '../../src/export/telemetry.ts';
import { MetricsHttpServer } from '../../src/export/metrics-http-server.ts';
import type { Component } from '../../src/lifecycle.ts';
import { createLogger } from '../../src/log.ts';
import { Readiness } from '../../src/readiness.ts';
import type { Runtime } from '../../src/runtime.ts';
import { SignalStore } from '../../src/signals/store.ts';

/** A plant with one zone on two devices on two buses, every signal kind the exporter maps. */
export function plantYaml(extra = ''): string {
  return `site: plant-7
gateway_id: edge-07
log: { level: silent }
buses:
  - { id: rs485-a, transport: rtu, path: /dev/null, baud: 19200 }
  - { id: hall-plc, transport: tcp, host: 127.0.0.1, port: 502 }
devices:
  - id: pdu-1
    bus: rs485-a
    unit: 3
    signals:
      - { id: hall_a_inlet_temp, kind: temperature, table: input, address: 30, loop: { raw: [0, 27648], eu: [0, 150] }, unit: Cel }
      - { id: hall_a_feed_power, kind: power, table: holding, address: 100, type: float32, scale: 1000, unit: W }
      - { id: hall_a_feed_voltage, kind: voltage, table: input, address: 40, unit: V }
      - { id: hall_a_feed_current, kind: current, table: input, address: 41, unit: mA }
      - { id: hall_a_energy, kind: energy, table: input, address: 50, type: uint32, unit: kWh }
  - id: plc-1
    bus: hall-plc
    unit: 1
    signals:
      - { id: hall_a_outlet_temp, kind: temperature, table: input, address: 0, unit: Cel }
      - { id: hall_a_flow, kind: flow, table: input, address: 1, unit: 'L/min' }
zones:
  - id: hall-a
    temperature: [hall_a_inlet_temp, hall_a_outlet_temp]
    power: [hall_a_feed_power]
    limits: { temperature_max: 35, temperature_margin: 2, hysteresis: 1, power_budget: 120000 }
metrics:
  prometheus: { listen: 127.0.0.1:0 }
${extra}`;
}

export interface Gateway {
  config: Config;
  rt: Runtime;
  store: SignalStore;
  telemetry: TelemetryParts;
  http: MetricsHttpServer | undefined;
  parts: Component[];
  /** http://127.0.0.1:PORT */
  base: string;
}

/** Feeds the plant's store one good poll of every signal (raw register values). */
export function feedPlant(store: SignalStore, ts = Date.now(), inletRaw = 27648 * (30 / 150)): void {
  store.values('pdu-1', ts, [
    ['hall_a_inlet_temp', inletRaw],
    ['hall_a_feed_power', 42.5],
    ['hall_a_feed_voltage', 230],
    ['hall_a_feed_current', 12500],
    ['hall_a_energy', 1234],
  ]);
  store.values('plc-1', ts, [
    ['hall_a_outlet_temp', 28],
    ['hall_a_flow', 17],
  ]);
}

export async function startGateway(t: TestContext, yaml = plantYaml(), opts: TelemetryOptions = {}): Promise<Gateway> {
  const config = parseConfig(yaml);
  const log = createLogger({ level: 'silent' });
  const telemetry = createTelemetry(config, log, opts);
  const store = new SignalStore(config);
  const readiness = new Readiness();
  const rt: Runtime = { config, log, store, meter: telemetry.meter, readiness, clock: Date.now };
  const parts = telemetry.components(rt);
  const started: typeof parts = [];
  t.after(async () => {
    for (const c of started.reverse()) await c.stop();
  });
  for (const c of parts) {
    await c.start();
    started.push(c);
  }
  const http = parts.find((c): c is MetricsHttpServer => c instanceof MetricsHttpServer);
  return { config, rt, store, telemetry, http, parts, base: http ? `http://127.0.0.1:${http.address().port}` : '' };
}

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export async function get(url: string, method = 'GET'): Promise<HttpReply> {
  const req = request(url, { method, agent: false });
  req.end();
  const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
  let body = '';
  res.setEncoding('utf8');
  for await (const chunk of res) body += chunk as string;
  return { status: res.statusCode ?? 0, headers: res.headers, body };
}

/** A parsed exposition sample: name, labels, value. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format (enough for our own output and assertions). */
export function parseExposition(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
    if (!m) throw new Error(`unparsable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    out.push({ name: m[1]!, labels, value: m[3] === 'NaN' ? NaN : m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]) });
  }
  return out;
}

export function find(samples: PromSample[], name: string, labels: Record<string, string> = {}): PromSample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** A free loopback TCP port (bound then released) for peers that cannot listen on port 0. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  srv.close();
  await once(srv, 'close');
  return port;
}

/** Polls `probe` until it returns a value (not undefined) or the deadline passes. */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, what: string, deadlineMs = 20_000, everyMs = 100): Promise<T> {
  const end = Date.now() + deadlineMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
