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
  id: id.describe("Bus id, referenced by devices[].bus."),
  timeout_ms: positiveMs.max(60_000).default(300).describe("Reply timeout of one transaction, in ms (default 300 on serial buses, 1000 on Modbus/TCP)."),
  retries: z.number().int().min(0).max(10).default(1).describe("Retries after a timeout or CRC error before the read counts as failed."),
  /** Pause after a device answers exception 6 (busy) before retrying it. */
  busy_retry_ms: positiveMs.max(60_000).default(200).describe("Pause, in ms, before retrying a device that answered exception 6 (server device busy)."),
};

const serialFraming = {
  baud: z.number().int().min(300).max(4_000_000).default(19200).describe("Serial line speed in bit/s (for rtu-over-tcp: the serial side, used for wire-time accounting and t3.5)."),
  data_bits: z.union([z.literal(7), z.literal(8)]).default(8).describe("Data bits per character."),
  parity: z.enum(parities).default('even').describe("Parity; Modbus RTU's default framing is 8E1. With none, use stop_bits: 2 to keep 11-bit characters."),
  stop_bits: z.union([z.literal(1), z.literal(2)]).default(1).describe("Stop bits per character."),
};

export const rtuBusSchema = z.strictObject({
  ...busCommon,
  transport: z.literal('rtu').describe("Modbus RTU on a local serial port (RS-485/RS-232)."),
  path: filePath.describe("Serial device, e.g. /dev/ttyUSB0 or a stable /dev/serial/by-id/... link."),
  ...serialFraming,
});

export const tcpBusSchema = z.strictObject({
  ...busCommon,
  transport: z.literal('tcp').describe("Modbus/TCP (MBAP framing); devices on one endpoint are polled concurrently."),
  host: z.string().min(1).describe("Host name or IP address of the Modbus/TCP server or gateway."),
  port: z.number().int().min(1).max(65535).default(502).describe("TCP port of the Modbus/TCP server."),
  timeout_ms: positiveMs.max(60_000).default(1000).describe("Reply timeout of one transaction, in ms."),
});

export const rtuOverTcpBusSchema = z.strictObject({
  ...busCommon,
  transport: z.literal('rtu-over-tcp').describe("RTU frames (with CRC) tunnelled through a serial device server in TCP server mode (e.g. a Moxa NPort)."),
  host: z.string().min(1).describe("Host name or IP address of the serial device server."),
  port: z.number().int().min(1).max(65535).describe("TCP port of the serial device server's raw socket."),
  ...serialFraming,
});

export const busSchema = z.discriminatedUnion('transport', [rtuBusSchema, tcpBusSchema, rtuOverTcpBusSchema]);

const range2 = z.tuple([z.number(), z.number()]);

export const loopSchema = z.strictObject({
  /** Raw counts at 4 mA and at 20 mA (S7 analog inputs: [0, 27648]). */
  raw: range2.describe("Raw counts at 4 mA and at 20 mA (S7 analog inputs: [0, 27648])."),
  /** Engineering value at 4 mA and at 20 mA; reverse-acting transmitters give [high, low]. */
  eu: range2.describe("Engineering value at 4 mA and at 20 mA; reverse-acting transmitters give [high, low]."),
});

export const signalSchema = z.strictObject({
  id: id.describe("Signal id, unique across the whole config; referenced by zones and used in metrics and MQTT topics."),
  kind: z.enum(signalKinds).default('generic').describe("What the signal measures; zones require temperature and power signals of the right kind."),
  table: z.enum(tables).describe("Modbus table: coil (FC1), discrete input (FC2), holding register (FC3), input register (FC4)."),
  address: z.number().int().min(0).max(65535).describe("0-based protocol address (register 30031 in 1-based Modicon notation is input address 30)."),
  type: z.enum(valueTypes).default('uint16').describe("How the registers decode: bool, 16/32/64-bit integers, IEEE 754 float32/float64."),
  /** Read one bit (0 = least significant) of a 16-bit register as a bool. */
  bit: z.number().int().min(0).max(15).optional().describe("Read one bit (0 = least significant) of a 16-bit register as a bool."),
  word_order: z.enum(orders).default('big').describe("Word order of 32/64-bit values: big (ABCD) or little (CDAB)."),
  byte_order: z.enum(orders).default('big').describe("Byte order inside each 16-bit word: big, or little to swap (BADC / DCBA)."),
  scale: z.number().finite().optional().describe("Linear scaling: value = raw * scale + offset."),
  offset: z.number().finite().optional().describe("Linear scaling: value = raw * scale + offset."),
  loop: loopSchema.optional().describe("4-20 mA current loop: maps raw counts to the engineering range; NAMUR NE43 quality applies."),
  unit: z.string().min(1).max(32).default('1').describe("UCUM unit of the engineering value (Cel, W, kW, mA, V, A, J, Wh; 1 = dimensionless)."),
  description: z.string().max(256).optional().describe("Free text for operators (shown in metric descriptions and tooling)."),
  /** Publish on change only when the value moves by more than this (MQTT). */
  deadband: z.number().nonnegative().optional().describe("MQTT: publish on change only when the value moves by more than this (still at least every mqtt.max_interval_ms)."),
  /** Allow this signal's registers to overlap another signal's on the same device. */
  allow_overlap: z.boolean().default(false).describe("Allow this signal's registers to overlap another signal's on the same device."),
});

export const deviceSchema = z.strictObject({
  id: id.describe("Device id, unique; used in logs, metrics (loopgate.device) and config errors."),
  bus: id.describe("Id of the bus the device is on (buses[].id)."),
  unit: z.number().int().min(0).max(255).describe("Modbus unit (slave) id: 1-247 on serial buses, 0-255 on Modbus/TCP."),
  poll_ms: positiveMs.min(10).max(3_600_000).default(1000).describe("Poll period in ms; an overrun is counted (loopgate.poll.overruns), never queued."),
  /** Largest hole (registers or bits) the planner may read across; default: whatever wire time says. */
  max_gap: z.number().int().min(0).max(2000).optional().describe("Largest hole (registers or bits) the planner may read across; default: whatever costs less wire time."),
  /** Read every signal in its own transaction (devices that reject reads across holes). */
  no_merge: z.boolean().default(false).describe("Read every signal in its own transaction (devices that reject reads across holes)."),
  /** Cap on registers in one read, for devices below the protocol's 125. */
  max_registers: z.number().int().min(1).max(125).default(125).describe("Cap on registers in one read, for devices below the protocol's 125."),
  signals: z.array(signalSchema).min(1).describe("The values read from this device."),
});

export const zoneLimitsSchema = z.strictObject({
  temperature_max: z.number().finite().describe("Highest allowed temperature in the zone, in Cel."),
  temperature_margin: z.number().nonnegative().default(2).describe("Headroom below temperature_max, in K, that a predicted temperature must keep for an ALLOW."),
  hysteresis: z.number().nonnegative().default(1).describe("Band, in K, a reading must fall back by before a HOLD/DENY at a threshold clears (no flapping)."),
  power_budget: z.number().positive().describe("Largest total power of the zone, in W."),
  stale_after_ms: positiveMs.optional().describe("A signal is stale when its last good sample is older than this; default 3 x its poll period."),
  max_rise_per_min: z.number().positive().optional().describe("Largest temperature rise per minute, in K/min, before the gate holds."),
  max_canary_power_ratio: z.number().positive().optional().describe("Largest ratio of power drawn at the proposed weight to power at the current weight."),
});

export const thermalSchema = z.strictObject({
  tau_s: z.number().positive().describe("Time constant of the zone's first-order thermal lag, in s."),
  kelvin_per_watt: z.number().positive().describe("Steady-state temperature rise per watt of added load, in K/W."),
  watts_per_weight_pct: z.number().nonnegative().describe("Power added per percent of canary traffic weight, in W."),
  ambient: z.number().finite().optional().describe("Temperature the zone settles at with no load, in Cel; default: learned."),
});

export const zoneSchema = z.strictObject({
  id: id.describe("Zone id (a hall, a row, a room): what the gate is asked about."),
  temperature: z.array(id).min(1).describe("Ids of the temperature signals of this zone (kind: temperature)."),
  power: z.array(id).min(1).describe("Ids of the power signals of this zone (kind: power)."),
  limits: zoneLimitsSchema.describe("The zone's limits; the gate never lets a rollout exceed them."),
  thermal: thermalSchema.optional().describe("Thermal model of the zone; learned online from the weights the controller reports when absent."),
});

export const tlsServerSchema = z.strictObject({
  cert: filePath.describe("Server certificate (PEM). Under systemd: /run/credentials/loopgate.service/tls_<file>."),
  key: filePath.describe("Server private key (PEM); must be mode 0600 or 0400 (loopgate refuses to start otherwise)."),
  client_ca: filePath.optional().describe("CA bundle (PEM) that client certificates must chain to; set it to require mTLS."),
  allowed_clients: z.array(z.string().min(1)).optional().describe("Client certificate CN or SAN values allowed to call; absent: any client the CA signed."),
});

export const tlsClientSchema = z.strictObject({
  ca: filePath.optional().describe("CA bundle (PEM) to verify the server with (a private CA; never falls back to the public store silently)."),
  cert: filePath.optional().describe("Client certificate (PEM) for mTLS."),
  key: filePath.optional().describe("Client private key (PEM) for mTLS; must be mode 0600 or 0400 (loopgate refuses to start otherwise, exit 78)."),
});

export const gateSchema = z.strictObject({
  listen: hostPort.default('127.0.0.1:50051').describe("HOST:PORT of the gRPC Gate API (and grpc.health.v1, reflection)."),
  /** Allow plaintext on a non-loopback address (loud warning at start). */
  insecure: z.boolean().default(false).describe("Allow plaintext gRPC on a non-loopback address (loud warning at start)."),
  tls: tlsServerSchema.optional().describe("TLS for the gRPC listener (required off loopback unless insecure: true)."),
  reflection: z.boolean().default(true).describe("Serve gRPC server reflection (switch off for least functionality)."),
  http: z
    .strictObject({
      listen: hostPort.default('127.0.0.1:8080').describe('HOST:PORT of the HTTP adapters (Flagger webhooks, Argo Rollouts web metric).'),
      enabled: z.boolean().default(true).describe('Serve the HTTP adapters.'),
    })
    .optional()
    .describe('HTTP adapters for rollout controllers that cannot speak gRPC.'),
  /** How long an ALLOW's reserved power step is held when measurements do not show it. */
  reservation_ttl_s: z.number().positive().default(300).describe("How long, in s, an ALLOW's reserved power step is held when measurements do not show it yet."),
});

export const metricsSchema = z.strictObject({
  prometheus: z
    .strictObject({
      listen: hostPort.default('0.0.0.0:9090').describe('HOST:PORT of the Prometheus scrape endpoint (/metrics).'),
      enabled: z.boolean().default(true).describe('Serve /metrics.'),
      tls: tlsServerSchema.optional().describe('TLS (and optional client certificates) for /metrics.'),
    })
    .default({ listen: '0.0.0.0:9090', enabled: true })
    .describe('Prometheus pull endpoint.'),
  otlp: z
    .strictObject({
      endpoint: z.url().describe('OTLP/gRPC collector URL, e.g. http://127.0.0.1:4317 (https:// for TLS).'),
      interval_ms: positiveMs.min(1000).default(10_000).describe('Push interval in ms.'),
      timeout_ms: positiveMs.default(5000).describe('Timeout of one export, in ms.'),
      headers: z.record(z.string(), z.string()).optional().describe('gRPC metadata sent with every export (e.g. an API key).'),
      temporality: z.enum(['cumulative', 'delta']).default('cumulative').describe('Aggregation temporality of counters and histograms.'),
      tls: tlsClientSchema.optional().describe('TLS client settings for an https:// endpoint.'),
    })
    .optional()
    .describe('OTLP/gRPC push; absent: no push.'),
});

export const mqttSchema = z.strictObject({
  url: z.string().regex(/^(mqtts?|wss?):\/\/.+/, { error: 'an mqtt://, mqtts://, ws:// or wss:// URL' }).describe("Broker URL: mqtt://, mqtts://, ws:// or wss://."),
  topic_prefix: z.string().min(1).optional().describe("Topic prefix; default: loopgate/<site>/<gateway_id>."),
  spool_dir: filePath.default('/var/lib/loopgate/mqtt').describe("Directory of the on-disk spool that keeps messages while the broker is unreachable."),
  spool_max_bytes: z.number().int().positive().default(256 * 1024 * 1024).describe("Spool size cap in bytes; the oldest messages are dropped beyond it (loopgate.mqtt.spool.dropped)."),
  spool_max_age_s: z.number().int().positive().default(7 * 24 * 3600).describe("Spooled messages older than this, in s, are dropped."),
  username: z.string().optional().describe("Broker user name (a broker may take it from the client certificate instead, e.g. mosquitto use_identity_as_username)."),
  password: z.string().optional().describe("Broker password (keep the config file mode 0640 root:loopgate when set)."),
  tls: tlsClientSchema.optional().describe("TLS client settings for mqtts:// and wss:// (an error with mqtt:// or ws://); without ca the broker is verified against Node's bundled public CAs."),
  format: z.enum(['json', 'sparkplug']).default('json').describe("Payload format: json, or sparkplug (Sparkplug B; answers a host's Rebirth NCMD, ignores every other NCMD/DCMD)."),
  protocol_version: z.union([z.literal(5), z.literal(4)]).default(5).describe("MQTT protocol version: 5 or 4 (3.1.1); with 5, a broker that refuses v5 is retried with 3.1.1."),
  qos: z.union([z.literal(0), z.literal(1)]).default(1).describe("QoS of published messages: 0 or 1."),
  publish: z.enum(['on_change', 'every_sample']).default('on_change').describe("Which signal samples go out: on_change (past the signal's deadband, or a change of quality or reason) or every_sample (every poll's reading, e.g. for a historian); either way at least every max_interval_ms."),
  /** Publish every signal at least this often even when it does not change. */
  max_interval_ms: positiveMs.default(60_000).describe("Publish every signal at least this often, in ms, even when it does not change."),
});

export const logSchema = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe("Log level; LOOPGATE_LOG_LEVEL overrides it."),
});

export const configSchema = z.strictObject({
  site: id.describe("Site name: a label on every metric, MQTT topic and gate decision."),
  gateway_id: id.optional().describe("This gateway's id (service.instance.id); default: the hostname."),
  log: logSchema.default({ level: 'info' }).describe("Logging (pino JSON lines on stdout)."),
  buses: z.array(busSchema).default([]).describe("Field buses: serial RTU, Modbus/TCP, RTU over TCP."),
  devices: z.array(deviceSchema).default([]).describe("Modbus devices (PLCs, meters, PDUs) and the signals read from them."),
  zones: z.array(zoneSchema).default([]).describe("Zones the gate protects: their signals, limits and thermal model."),
  gate: gateSchema.default({ listen: '127.0.0.1:50051', insecure: false, reflection: true, reservation_ttl_s: 300 }).describe("The gRPC Gate API and the HTTP adapters."),
  metrics: metricsSchema.default({ prometheus: { listen: '0.0.0.0:9090', enabled: true } }).describe("OpenTelemetry export: Prometheus scrape and OTLP push."),
  mqtt: mqttSchema.optional().describe("MQTT publishing; absent: no MQTT."),
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
