/**
 * The plant derived from a gateway config, so the simulator serves exactly the registers the
 * gateway polls: one hall per zone, one slave per device, and a role for every signal.
 *
 * Hall sizing when the zone has no `thermal` section: idle power = 1/3 of the power budget,
 * watts_per_weight_pct = 0.6 % of the budget, ambient 22 Cel, tau 600 s, and kelvin_per_watt so
 * that 90 % weight settles at temperature_max - temperature_margin.
 *
 * A signal belongs to the zone that lists it; else to the zone whose id (with "-" as "_")
 * prefixes the signal id; else to the zone of another signal of the same device; else the first.
 */
import type { BusConfig, Config, DeviceConfig, SignalConfig, ZoneConfig } from '../config/schema.ts';
import type { HallParams } from './hall-model.ts';

export type SignalRole =
  /** 4-20 mA or direct inlet temperature; `index` spreads sensors of one zone a little apart. */
  | { kind: 'inlet_temperature'; index: number }
  /** A feed meter: this share of the hall's power. */
  | { kind: 'power'; share: number }
  | { kind: 'energy'; share: number }
  /** Phase current of a 400 V three-phase feed carrying this share. */
  | { kind: 'current'; share: number }
  | { kind: 'voltage' }
  /** Bit-field alarm word (see ALARM_BITS). */
  | { kind: 'alarms' }
  | { kind: 'constant'; value: number };

/** Bits of the simulated PDU's alarm word. */
export const ALARM_BITS = { overTemperature: 0, overBudget: 1, sensorFault: 2, coolingDegraded: 3 } as const;

export interface SimSignal {
  config: SignalConfig;
  zone: string | null;
  role: SignalRole;
}

export interface SimDevice {
  id: string;
  unit: number;
  /** Rejects reads across unmapped registers (exception 2), like devices that need no_merge. */
  strictHoles: boolean;
  signals: SimSignal[];
}

export interface SimEndpoint {
  bus: BusConfig;
  devices: SimDevice[];
}

export interface PlantLayout {
  halls: HallParams[];
  endpoints: SimEndpoint[];
}

export function layoutFromConfig(config: Pick<Config, 'buses' | 'devices' | 'zones'>, opts: { initialWeight?: number } = {}): PlantLayout {
  const halls = config.zones.map((z) => hallParams(z, opts.initialWeight ?? 0));
  const endpoints = config.buses.map((bus) => ({ bus, devices: config.devices.filter((d) => d.bus === bus.id).map((d) => simDevice(d, config.zones)) }));
  return { halls, endpoints };
}

export function hallParams(z: ZoneConfig, initialWeight: number): HallParams {
  const l = z.limits;
  const ambient = z.thermal?.ambient ?? 22;
  const idleW = l.power_budget / 3;
  const wattsPerWeightPct = z.thermal?.watts_per_weight_pct ?? (l.power_budget * 0.6) / 100;
  const atNinety = idleW + wattsPerWeightPct * 90;
  const kelvinPerWatt = z.thermal?.kelvin_per_watt ?? Math.max(l.temperature_max - l.temperature_margin - ambient, 1) / atNinety;
  return { zoneId: z.id, ambient, tauS: z.thermal?.tau_s ?? 600, kelvinPerWatt, idleW, wattsPerWeightPct, temperatureMax: l.temperature_max, powerBudget: l.power_budget, initialWeight };
}

function simDevice(d: DeviceConfig, zones: readonly ZoneConfig[]): SimDevice {
  const listed = (id: string): ZoneConfig | undefined => zones.find((z) => z.temperature.includes(id) || z.power.includes(id));
  const byPrefix = (id: string): ZoneConfig | undefined => zones.find((z) => id.startsWith(`${z.id.replaceAll('-', '_')}_`) || id.startsWith(`${z.id}-`));
  const sibling = d.signals.map((s) => listed(s.id)).find((z) => z !== undefined);
  const zoneOf = (id: string): ZoneConfig | undefined => listed(id) ?? byPrefix(id) ?? sibling ?? zones[0];
  const temps = new Map<string, number>();
  return {
    id: d.id,
    unit: d.unit,
    strictHoles: d.no_merge,
    signals: d.signals.map((s) => {
      const zone = zoneOf(s.id);
      return { config: s, zone: zone?.id ?? null, role: roleOf(s, zone, temps) };
    }),
  };
}

function roleOf(s: SignalConfig, zone: ZoneConfig | undefined, temps: Map<string, number>): SignalRole {
  const share = zone && zone.power.includes(s.id) ? 1 / zone.power.length : 1;
  if (s.bit !== undefined || /alarm|status|fault/i.test(s.id)) return { kind: 'alarms' };
  switch (s.kind) {
    case 'temperature': {
      const key = zone?.id ?? '';
      const index = temps.get(key) ?? 0;
      temps.set(key, index + 1);
      return { kind: 'inlet_temperature', index };
    }
    case 'power':
      return { kind: 'power', share };
    case 'energy':
      return { kind: 'energy', share };
    case 'current':
      return { kind: 'current', share };
    case 'voltage':
      return { kind: 'voltage' };
    default:
      return { kind: 'constant', value: 0 };
  }
}
