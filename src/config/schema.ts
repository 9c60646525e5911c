/**
 * The one config schema: validation and the TypeScript types (z.infer) both come from here.
 * Field names are the contract of DESIGN.md: add fields, never rename them.
 */
import { z } from 'zod';

const idRe = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const id = z.string().regex(idRe, { error: 'an id: letters, digits, "_", "." or "-", at most 64 characters, starting with a letter or digit' });
const positiveMs = z.number().int().positive();
const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}$/, { error: 'HOST:PORT, e.g. 127.0.0.1:50051 or [::1]:50051' });
const filePath = z.string().min(1);

export const transports = ['rtu', 'tcp', 'rtu-over-tcp'] as const;
export const parities = ['none', 'even', 'odd'] as const;
export const signalKinds = ['temperature', 'power', 'current', 'voltage', 'flow', 'level', 'energy', 'generic'] as const;
export const tables = ['coil', 'discrete', 'holding', 'input'] as const;
export const valueTypes = ['bool', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'float32', 'float64'] as const;
export const orders = ['big', 'little'] as const;

const busCommon = {
  id,
  timeout_ms: positiveMs.max(60_000).default(300),
  retries: z.number().int().min(0).max(10).default(1),
  /** Pause after a device answers exception 6 (busy) before retrying it. */
  busy_retry_ms: positiveMs.max(60_000).default(200),
};

const serialFraming = {
  baud: z.number().int().min(300).max(4_000_000).default(19200),
  data_bits: z.union([z.literal(7), z.literal(8)]).default(8),
  parity: z.enum(parities).default('even'),
  stop_bits: z.union([z.literal(1), z.literal(2)]).default(1),
};

export const rtuBusSchema = z.strictObject({
  ...busCommon,
  transport: z.literal('rtu'),
  path: filePath,
  ...serialFraming,
});

export const tcpBusSchema = z.strictObject({
  ...busCommon,
  transport: z.literal('tcp'),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(502),
  timeout_ms: positiveMs.max(60_000).default(1000),
});

export const rtuOverTcpBusSchema = z.strictObject({
  ...busCommon,
  transport: z.literal('rtu-over-tcp'),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  ...serialFraming,
});

export const busSchema = z.discriminatedUnion('transport', [rtuBusSchema, tcpBusSchema, rtuOverTcpBusSchema]);

const range2 = z.tuple([z.number(), z.number()]);

export const loopSchema = z.strictObject({
  /** Raw counts at 4 mA and at 20 mA (S7 analog inputs: [0, 27648]). */
  raw: range2,
  /** Engineering value at 4 mA and at 20 mA; reverse-acting transmitters give [high, low]. */
  eu: range2,
});

export const signalSchema = z.strictObject({
  id,
  kind: z.enum(signalKinds).default('generic'),
  table: z.enum(tables),
  address: z.number().int().min(0).max(65535),
  type: z.enum(valueTypes).default('uint16'),
  /** Read one bit (0 = least significant) of a 16-bit register as a bool. */
  bit: z.number().int().min(0).max(15).optional(),
  word_order: z.enum(orders).default('big'),
  byte_order: z.enum(orders).default('big'),
  scale: z.number().finite().optional(),
  offset: z.number().finite().optional(),
  loop: loopSchema.optional(),
  unit: z.string().min(1).max(32).default('1'),
  description: z.string().max(256).optional(),
  /** Publish on change only when the value moves by more than this (MQTT). */
  deadband: z.number().nonnegative().optional(),
  /** Allow this signal's registers to overlap another signal's on the same device. */
  allow_overlap: z.boolean().default(false),
});

export const deviceSchema = z.strictObject({
  id,
  bus: id,
  unit: z.number().int().min(0).max(255),
  poll_ms: positiveMs.min(10).max(3_600_000).default(1000),
  /** Largest hole (registers or bits) the planner may read across; default: whatever wire time says. */
  max_gap: z.number().int().min(0).max(2000).optional(),
  /** Read every signal in its own transaction (devices that reject reads across holes). */
  no_merge: z.boolean().default(false),
  /** Cap on registers in one read, for devices below the protocol's 125. */
  max_registers: z.number().int().min(1).max(125).default(125),
  signals: z.array(signalSchema).min(1),
});

export const zoneLimitsSchema = z.strictObject({
  temperature_max: z.number().finite(),
  temperature_margin: z.number().nonnegative().default(2),
  hysteresis: z.number().nonnegative().default(1),
  power_budget: z.number().positive(),
  stale_after_ms: positiveMs.optional(),
  max_rise_per_min: z.number().positive().optional(),
  max_canary_power_ratio: z.number().positive().optional(),
});

export const thermalSchema = z.strictObject({
  tau_s: z.number().positive(),
  kelvin_per_watt: z.number().positive(),
  watts_per_weight_pct: z.number().nonnegative(),
  ambient: z.number().finite().optional(),
});

export const zoneSchema = z.strictObject({
  id,
  temperature: z.array(id).min(1),
  power: z.array(id).min(1),
  limits: zoneLimitsSchema,
  thermal: thermalSchema.optional(),
});

export const tlsServerSchema = z.strictObject({
  cert: filePath,
  key: filePath,
  client_ca: filePath.optional(),
  allowed_clients: z.array(z.string().min(1)).optional(),
});

export const tlsClientSchema = z.strictObject({
  ca: filePath.optional(),
  cert: filePath.optional(),
  key: filePath.optional(),
});

export const gateSchema = z.strictObject({
  listen: hostPort.default('127.0.0.1:50051'),
  /** Allow plaintext on a non-loopback address (loud warning at start). */
  insecure: z.boolean().default(false),
  tls: tlsServerSchema.optional(),
  reflection: z.boolean().default(true),
  http: z
    .strictObject({
      listen: hostPort.default('127.0.0.1:8080'),
      enabled: z.boolean().default(true),
    })
    .optional(),
  /** How long an ALLOW's reserved power step is held when measurements do not show it. */
  reservation_ttl_s: z.number().positive().default(300),
});

export const metricsSchema = z.strictObject({
  prometheus: z
    .strictObject({
      listen: hostPort.default('0.0.0.0:9090'),
      enabled: z.boolean().default(true),
      tls: tlsServerSchema.optional(),
    })
    .default({ listen: '0.0.0.0:9090', enabled: true }),
  otlp: z
    .strictObject({
      endpoint: z.url(),
      interval_ms: positiveMs.min(1000).default(10_000),
      timeout_ms: positiveMs.default(5000),
      headers: z.record(z.string(), z.string()).optional(),
      temporality: z.enum(['cumulative', 'delta']).default('cumulative'),
      tls: tlsClientSchema.optional(),
    })
    .optional(),
});

export const mqttSchema = z.strictObject({
  url: z.string().regex(/^(mqtts?|wss?):\/\/.+/, { error: 'an mqtt://, mqtts://, ws:// or wss:// URL' }),
  topic_prefix: z.string().min(1).optional(),
  spool_dir: filePath.default('/var/lib/loopgate/mqtt'),
  spool_max_bytes: z.number().int().positive().default(256 * 1024 * 1024),
  spool_max_age_s: z.number().int().positive().default(7 * 24 * 3600),
  username: z.string().optional(),
  password: z.string().optional(),
  tls: tlsClientSchema.optional(),
  format: z.enum(['json', 'sparkplug']).default('json'),
  protocol_version: z.union([z.literal(5), z.literal(4)]).default(5),
  qos: z.union([z.literal(0), z.literal(1)]).default(1),
  /** Publish every signal at least this often even when it does not change. */
  max_interval_ms: positiveMs.default(60_000),
});

export const logSchema = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export const configSchema = z.strictObject({
  site: id,
  gateway_id: id.optional(),
  log: logSchema.default({ level: 'info' }),
  buses: z.array(busSchema).default([]),
  devices: z.array(deviceSchema).default([]),
  zones: z.array(zoneSchema).default([]),
  gate: gateSchema.default({ listen: '127.0.0.1:50051', insecure: false, reflection: true, reservation_ttl_s: 300 }),
  metrics: metricsSchema.default({ prometheus: { listen: '0.0.0.0:9090', enabled: true } }),
  mqtt: mqttSchema.optional(),
});

export type RawConfig = z.infer<typeof configSchema>;
/** The validated config, with defaults applied (gateway_id resolved); frozen. */
export type Config = Readonly<RawConfig & { gateway_id: string }>;
export type BusConfig = z.infer<typeof busSchema>;
export type RtuBusConfig = z.infer<typeof rtuBusSchema>;
export type TcpBusConfig = z.infer<typeof tcpBusSchema>;
export type RtuOverTcpBusConfig = z.infer<typeof rtuOverTcpBusSchema>;
export type DeviceConfig = z.infer<typeof deviceSchema>;
export type SignalConfig = z.infer<typeof signalSchema>;
export type ZoneConfig = z.infer<typeof zoneSchema>;
export type ZoneLimits = z.infer<typeof zoneLimitsSchema>;
export type ThermalConfig = z.infer<typeof thermalSchema>;
export type GateConfig = z.infer<typeof gateSchema>;
export type TlsServerConfig = z.infer<typeof tlsServerSchema>;
export type TlsClientConfig = z.infer<typeof tlsClientSchema>;
export type MetricsConfig = z.infer<typeof metricsSchema>;
export type MqttConfig = z.infer<typeof mqttSchema>;
export type SignalKind = (typeof signalKinds)[number];
export type TableName = (typeof tables)[number];
export type ValueType = (typeof valueTypes)[number];

/** Registers a value of this type occupies (bits tables: one bit). */
export function registerCount(type: ValueType): number {
  switch (type) {
    case 'bool':
    case 'int16':
    case 'uint16':
      return 1;
    case 'int32':
    case 'uint32':
    case 'float32':
      return 2;
    case 'int64':
    case 'uint64':
    case 'float64':
      return 4;
  }
}

export function isBitTable(table: TableName): boolean {
  return table === 'coil' || table === 'discrete';
}
