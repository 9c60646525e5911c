/**
 * A small plant for gate tests: one device with hall-a's temperature and power signals (and a
 * second zone), a SignalStore fed through its ReadingSink methods with an injected clock, and a
 * GateEngine on top. Numbers: 1000 W per weight point, budget 100 kW, 70 kW drawn -> room for
 * +30 points; 0.1 K per weight point, trip point 33 Cel.
 */
import { metrics } from '@opentelemetry/api';
import { pino } from 'pino';
import { configSchema, type Config, type ZoneConfig } from '../../src/config/schema.ts';
import { SignalStore } from '../../src/signals/store.ts';
import { GateEngine, type GateEngineOptions } from '../../src/gate/engine.ts';
import { storeInputs, type StoreInputs } from '../../src/gate/store-inputs.ts';
import type { ZoneView } from '../../src/gate/zone-view.ts';
import type { SignalSample, ZoneState } from '../../src/signals/sample.ts';
import { resolveModel } from '../../src/gate/model-resolver.ts';
import { ThermalLearner } from '../../src/gate/thermal-learner.ts';

export const silentLog = pino({ level: 'silent' });

export function plantConfig(overrides: { limits?: Record<string, unknown>; thermal?: Record<string, unknown> | null; gate?: Record<string, unknown> } = {}): Config {
  const thermal = overrides.thermal === null ? undefined : { tau_s: 600, kelvin_per_watt: 0.0001, watts_per_weight_pct: 1000, ...overrides.thermal };
  const raw = configSchema.parse({
    site: 'test',
    devices: [
      {
        id: 'pdu',
        bus: 'b',
        unit: 1,
        poll_ms: 1000,
        signals: [
          { id: 'a_temp', kind: 'temperature', table: 'input', address: 0, unit: 'Cel', type: 'float32' },
          { id: 'a_temp2', kind: 'temperature', table: 'input', address: 2, unit: 'Cel', type: 'float32' },
          { id: 'a_power', kind: 'power', table: 'input', address: 4, unit: 'W', type: 'float32' },
          { id: 'b_temp', kind: 'temperature', table: 'input', address: 6, unit: 'Cel', type: 'float32' },
          { id: 'b_power', kind: 'power', table: 'input', address: 8, unit: 'W', type: 'float32' },
        ],
      },
    ],
    zones: [
      {
        id: 'hall-a',
        temperature: ['a_temp', 'a_temp2'],
        power: ['a_power'],
        limits: { temperature_max: 35, temperature_margin: 2, hysteresis: 1, power_budget: 100_000, stale_after_ms: 5000, ...overrides.limits },
        ...(thermal ? { thermal } : {}),
      },
      { id: 'hall-b', temperature: ['b_temp'], power: ['b_power'], limits: { temperature_max: 40, power_budget: 50_000, stale_after_ms: 5000 }, thermal: { tau_s: 300, kelvin_per_watt: 0.0002, watts_per_weight_pct: 200 } },
    ],
    gate: { listen: '127.0.0.1:0', ...overrides.gate },
  });
  return Object.freeze({ ...raw, gateway_id: 'gw-test' });
}

export interface Plant {
  config: Config;
  store: SignalStore;
  inputs: StoreInputs;
  engine: GateEngine;
  clock: { now: number };
  /** Feeds one poll of hall-a (and hall-b at steady defaults) at the current clock. */
  feed(values: { a_temp?: number; a_temp2?: number; a_power?: number; b_temp?: number; b_power?: number }): void;
  advance(ms: number): void;
}

export function plant(cfg: Config = plantConfig(), opts: Partial<GateEngineOptions> = {}): Plant {
  const clock = { now: 1_700_000_000_000 };
  const store = new SignalStore(cfg, () => clock.now);
  const inputs = storeInputs(store, cfg.zones);
  const engine = new GateEngine({ config: cfg, inputs, clock: () => clock.now, log: silentLog, meter: metrics.getMeter('test'), ...opts });
  const last = { a_temp: 25, a_temp2: 24, a_power: 70_000, b_temp: 30, b_power: 20_000 };
  return {
    config: cfg,
    store,
    inputs,
    engine,
    clock,
    feed(values) {
      Object.assign(last, values);
      store.values('pdu', clock.now, Object.entries(last));
    },
    advance(ms) {
      clock.now += ms;
    },
  };
}

/** Feeds steady values every second for `seconds` (gives the rise tracker its history). */
export function settle(p: Plant, seconds: number, values: Parameters<Plant['feed']>[0] = {}): void {
  for (let i = 0; i < seconds; i++) {
    p.feed(values);
    p.advance(1000);
  }
  p.feed(values);
}

export function rollout(name: string, current: number, proposed: number, extra: Record<string, unknown> = {}) {
  return { rollout: { namespace: 'shop', name }, canary_revision: 'rev-1', zones: ['hall-a'], request_id: '', dry_run: false, current_weight: current, proposed_weight: proposed, ...extra };
}

/** A ZoneView built directly (pure rule tests). */
export function view(o: { temperature?: number | null; power?: number | null; quality?: 'good' | 'bad'; rise?: number; reservedW?: number; tripped?: boolean; limits?: Record<string, unknown>; thermal?: Record<string, unknown> | null } = {}): ZoneView {
  const cfg = plantConfig({ ...(o.limits ? { limits: o.limits } : {}), ...(o.thermal !== undefined ? { thermal: o.thermal } : {}) });
  const zone: ZoneConfig = cfg.zones[0]!;
  const now = 1_700_000_000_000;
  const temperature = o.temperature === undefined ? 25 : o.temperature;
  const power = o.power === undefined ? 70_000 : o.power;
  const quality = o.quality ?? 'good';
  const sample = (id: string, kind: 'temperature' | 'power', value: number | null): SignalSample => ({
    signalId: id, deviceId: 'pdu', kind, unit: kind === 'temperature' ? 'Cel' : 'W', value, quality: value === null ? 'bad' : quality, reason: quality === 'bad' ? 'stale (age 6000 ms)' : '', ts: now, lastValueTs: now - (quality === 'bad' ? 6000 : 500), seq: 1,
  });
  const signals = new Map<string, SignalSample>([
    ['a_temp', sample('a_temp', 'temperature', temperature)],
    ['a_temp2', sample('a_temp2', 'temperature', temperature === null ? null : temperature - 1)],
    ['a_power', sample('a_power', 'power', power)],
  ]);
  const state: ZoneState = { zoneId: 'hall-a', temperature: quality === 'bad' ? null : temperature, power: quality === 'bad' ? null : power, quality, reason: '', oldestInputAgeMs: 500 };
  return {
    zone,
    now,
    state,
    signals,
    risePerMin: o.rise,
    model: resolveModel(zone, new ThermalLearner().fit()),
    reservedW: o.reservedW ?? 0,
    reservationRetryS: o.reservedW ? 120 : 0,
    tripped: o.tripped ?? false,
  };
}
