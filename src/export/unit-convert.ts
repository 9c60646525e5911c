/**
 * Converts a signal's configured unit to the canonical unit of its hw.* metric (UCUM, as
 * OpenTelemetry uses). A unit that is not listed cannot be converted: such signals are exported
 * under loopgate.signal.value with their own unit as an attribute instead.
 */
export type Convert = (v: number) => number;

const linear = (k: number): Convert => (v) => v * k;

const table: Record<string, Record<string, Convert>> = {
  Cel: { Cel: linear(1), K: (v) => v - 273.15, '[degF]': (v) => ((v - 32) * 5) / 9 },
  W: { W: linear(1), kW: linear(1e3), MW: linear(1e6), mW: linear(1e-3) },
  V: { V: linear(1), kV: linear(1e3), mV: linear(1e-3) },
  A: { A: linear(1), mA: linear(1e-3), kA: linear(1e3) },
  J: { J: linear(1), kJ: linear(1e3), MJ: linear(1e6), Wh: linear(3600), kWh: linear(3.6e6), MWh: linear(3.6e9) },
};

/** A converter from `from` to `to`, or undefined when there is none. */
export function converter(from: string, to: string): Convert | undefined {
  return table[to]?.[from];
}
