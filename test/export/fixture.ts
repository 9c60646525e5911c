/** Shared setup for the export tests: a small plant config, a fed store, telemetry started on port 0. */
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { createTelemetry, type Telemetry } from '../../src/export/telemetry.ts';
import type { MetricsHttpServer } from '../../src/export/metrics-http.ts';
import type { Component } from '../../src/lifecycle.ts';
import { createLogger, type Logger } from '../../src/log.ts';
import { Readiness } from '../../src/readiness.ts';
import type { Runtime } from '../../src/runtime.ts';
import { SignalStore } from '../../src/signals/store.ts';

export const silentLog: Logger = createLogger({ level: 'silent' });

/** Skips locally with a visible reason when a Debian binary is missing; fails under CI=true. */
export function requireBinary(t: TestContext, path: string): boolean {
  if (existsSync(path)) return true;
  const why = `${path} is not installed (apt-get install prometheus)`;
  if (process.env['CI'] === 'true') throw new Error(why);
  t.skip(why);
  return false;
}

export function plantConfig(metrics: Record<string, unknown> = { prometheus: { listen: '127.0.0.1:0' } }): Config {
  const raw = {
    site: 'plant-t',
    gateway_id: 'edge-t',
    buses: [{ id: 'hall-plc', transport: 'tcp', host: '127.0.0.1', port: 1502 }],
    devices: [
      {
        id: 'plc-1',
        bus: 'hall-plc',
        unit: 1,
        poll_ms: 1000,
        signals: [
          { id: 'hall_a_inlet_temp', kind: 'temperature', table: 'input', address: 0, loop: { raw: [0, 27648], eu: [0, 100] }, unit: 'Cel', description: 'Hall A inlet TT-101' },
          { id: 'hall_a_feed_power', kind: 'power', table: 'input', address: 1, unit: 'kW' },
          { id: 'hall_a_voltage', kind: 'voltage', table: 'input', address: 2, unit: 'V' },
          { id: 'hall_a_current', kind: 'current', table: 'input', address: 3, unit: 'A' },
          { id: 'pdu_energy', kind: 'energy', table: 'input', address: 4, type: 'uint32', unit: 'kWh' },
          { id: 'chiller_flow', kind: 'flow', table: 'input', address: 6, unit: '%' },
        ],
      },
    ],
    zones: [{ id: 'hall-a', temperature: ['hall_a_inlet_temp'], power: ['hall_a_feed_power'], limits: { temperature_max: 35, temperature_margin: 2, power_budget: 120000, stale_after_ms: 60000 } }],
    metrics,
  };
  return parseConfig(JSON.stringify(raw), 'fixture.yaml');
}

/** Raw register values for the fixture: 27648 * 0.3 counts = 8.8 mA = 30 Cel. */
export const rawValues: Array<[string, number]> = [
  ['hall_a_inlet_temp', 8294.4],
  ['hall_a_feed_power', 42.5],
  ['hall_a_voltage', 400],
  ['hall_a_current', 61],
  ['pdu_energy', 1234],
  ['chiller_flow', 55],
];

export function feed(store: SignalStore, ts = Date.now(), values: Array<[string, number]> = rawValues): void {
  store.values('plc-1', ts, values);
}

export interface Started {
  telemetry: Telemetry;
  store: SignalStore;
  readiness: Readiness;
  rt: Runtime;
  components: Component[];
  /** http://127.0.0.1:PORT when Prometheus is enabled. */
  base: string;
}

export async function startTelemetry(t: TestContext, config: Config = plantConfig()): Promise<Started> {
  const telemetry = createTelemetry(config, silentLog, { host: 'test-host' });
  const store = new SignalStore(config);
  const readiness = new Readiness();
  const rt: Runtime = { config, log: silentLog, store, meter: telemetry.meter, readiness, clock: Date.now };
  const components = telemetry.components(rt);
  const started: Component[] = [];
  t.after(async () => {
    for (const c of started.reverse()) await c.stop();
  });
  for (const c of components) {
    await c.start();
    started.push(c);
  }
  const http = components.find((c): c is MetricsHttpServer => c.name === 'metrics-http');
  const base = http ? `http://127.0.0.1:${http.address().port}` : '';
  return { telemetry, store, readiness, rt, components, base };
}

export async function scrape(base: string): Promise<string> {
  const res = await fetch(`${base}/metrics`);
  if (res.status !== 200) throw new Error(`scrape answered ${res.status}`);
  return res.text();
}

/** Sample lines `name{labels} value` of a scrape, as [series, value]. */
export function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

/** The value of the one sample of `name` whose labels include every `label="value"` given. */
export function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const [series, value] of samples(text)) {
    if (series !== name && !series.startsWith(`${name}{`)) continue;
    if (want.every((w) => series.includes(w))) return value;
  }
  return undefined;
}
