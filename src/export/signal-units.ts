/**
 * Which OpenTelemetry instrument a signal kind maps to, and how its configured UCUM unit converts
 * to the instrument's unit (hw.* metrics have one fixed unit each).
 */
import type { SignalKind } from '../config/schema.ts';

export interface HwMetric {
  /** OpenTelemetry metric name. */
  name: 'hw.temperature' | 'hw.power' | 'hw.voltage' | 'hw.current' | 'hw.energy';
  unit: 'Cel' | 'W' | 'V' | 'A' | 'J';
}

const hwByKind: Partial<Record<SignalKind, HwMetric>> = {
  temperature: { name: 'hw.temperature', unit: 'Cel' },
  power: { name: 'hw.power', unit: 'W' },
  voltage: { name: 'hw.voltage', unit: 'V' },
  current: { name: 'hw.current', unit: 'A' },
  energy: { name: 'hw.energy', unit: 'J' },
};

type Convert = (v: number) => number;
const scale = (k: number): Convert => (v) => v * k;

/** Conversions from a configured unit to the hw.* metric's unit. */
const conversions: Record<HwMetric['unit'], Record<string, Convert>> = {
  Cel: { Cel: scale(1), K: (v) => v - 273.15, '[degF]': (v) => ((v - 32) * 5) / 9 },
  W: { W: scale(1), mW: scale(1e-3), kW: scale(1e3), MW: scale(1e6) },
  V: { V: scale(1), mV: scale(1e-3), kV: scale(1e3) },
  A: { A: scale(1), mA: scale(1e-3), kA: scale(1e3) },
  J: { J: scale(1), kJ: scale(1e3), MJ: scale(1e6), Wh: scale(3600), kWh: scale(3.6e6), MWh: scale(3.6e9) },
};

/**
 * The hw.* metric and converter for a signal, or undefined when the kind has none (flow, level,
 * generic) or the unit does not convert: those go to loopgate.signal.value with the unit as label.
 */
export function hwMetricFor(kind: SignalKind, unit: string): { metric: HwMetric; convert: Convert } | undefined {
  const metric = hwByKind[kind];
  if (!metric) return undefined;
  const convert = conversions[metric.unit][unit];
  return convert ? { metric, convert } : undefined;
}
