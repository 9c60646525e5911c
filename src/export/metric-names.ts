/**
 * Every metric name loopgate exports, in one place: the export layer's own instruments and the
 * names other layers record on `rt.meter` (DESIGN.md, BRIEF). Prometheus names are derived from
 * these by `promName` (dots -> underscores, `_total` on counters; no unit suffix).
 */
export const signalMetric = {
  temperature: 'hw.temperature',
  power: 'hw.power',
  voltage: 'hw.voltage',
  current: 'hw.current',
  energy: 'hw.energy',
  value: 'loopgate.signal.value',
  quality: 'loopgate.signal.quality',
  age: 'loopgate.signal.age',
  loopCurrent: 'loopgate.signal.loop_current',
} as const;

export const zoneMetric = {
  temperatureLimit: 'hw.temperature.limit',
  heatingMargin: 'hw.host.heating_margin',
  temperature: 'loopgate.zone.temperature',
  power: 'loopgate.zone.power',
  powerBudget: 'loopgate.zone.power.budget',
  quality: 'loopgate.zone.quality',
  inputAge: 'loopgate.zone.input_age',
} as const;

/** Recorded by the export layer itself. */
export const exportMetric = {
  otlpExports: 'loopgate.otlp.exports',
  scrapes: 'loopgate.metrics.scrapes',
} as const;

/** Recorded by other layers on rt.meter (names fixed by the brief). */
export const layerMetric = {
  modbusTransactions: 'loopgate.modbus.transactions',
  modbusDuration: 'loopgate.modbus.transaction.duration',
  busUtilization: 'loopgate.bus.utilization',
  pollOverruns: 'loopgate.poll.overruns',
  deviceBackoff: 'loopgate.device.backoff',
  gateDecisions: 'loopgate.gate.decisions',
  mqttSpoolDepth: 'loopgate.mqtt.spool.depth',
  mqttSpoolDropped: 'loopgate.mqtt.spool.dropped',
  mqttCommandsIgnored: 'loopgate.mqtt.commands.ignored',
} as const;

/** Bucket advice the Modbus layer passes with its duration histogram (seconds). */
export const modbusDurationBuckets = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2] as const;

/** The Prometheus name the direct scrape serves for an OpenTelemetry metric name. */
export function promName(otelName: string, monotonicCounter = false): string {
  const base = otelName.replace(/[^A-Za-z0-9_]/g, '_').replace(/_{2,}/g, '_');
  return monotonicCounter && !base.endsWith('_total') ? `${base}_total` : base;
}
