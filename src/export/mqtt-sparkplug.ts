/**
 * Sparkplug B (spBv1.0) for Ignition-style SCADA hosts. group_id = site, edge_node_id =
 * gateway_id, device_id = the Modbus device id; one metric per signal (Double), quality as the
 * "Quality" property (OPC codes 192 good, 64 uncertain, 0 bad), the store's sample seq as the
 * "seq" property, the loop current as "<signal>/loop_ma". NBIRTH (bdSeq, Node Control/Rebirth) and
 * a DBIRTH per device open every session; DDATA carries changes; NDEATH is the last will and is
 * sent before a clean disconnect. A host's NCMD Rebirth request is answered with the births again
 * (same bdSeq, seq from 0); every other NCMD/DCMD is ignored (sparkplug-command.ts). The payload `seq` (0-255, NBIRTH = 0) is appended when a message
 * is actually sent, so replayed messages fit the new session; metrics made while the broker was
 * away carry is_historical.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.ts';
import type { Quality, SignalSample, StoreSnapshot } from '../signals/sample.ts';
import type { MqttFormat } from './mqtt-format.ts';
import { decisionMessage, zoneMessage } from './mqtt-json.ts';
import type { OutboundMessage } from './mqtt-record.ts';
import { commandTopics, parseCommand, REBIRTH_METRIC } from './sparkplug-command.ts';
import { sparkplugPayloadType } from './sparkplug-payload.ts';

/** Sparkplug DataType codes (see the proto's header). */
export const SpDataType = { Int32: 3, Int64: 4, UInt64: 8, Double: 10, Boolean: 11, String: 12 } as const;
const opcQuality: Record<Quality, number> = { good: 192, uncertain: 64, bad: 0 };

/** The parts of proto Payload.Metric this gateway fills in (protobufjs camelCase field names). */
interface SpPropertyValue {
  type: number;
  intValue?: number;
  longValue?: number;
  stringValue?: string;
}
interface SpMetric {
  name: string;
  timestamp: number;
  datatype: number;
  isHistorical?: boolean;
  isNull?: boolean;
  properties?: { keys: string[]; values: SpPropertyValue[] };
  doubleValue?: number;
  longValue?: number;
  booleanValue?: boolean;
}

function encode(timestamp: number, metrics: SpMetric[]): Buffer {
  const t = sparkplugPayloadType();
  return Buffer.from(t.encode(t.fromObject({ timestamp, metrics })).finish());
}

/** Appends `seq` (field 3, varint) to an encoded Payload: protobuf fields may come in any order. */
export function withSparkplugSeq(payload: Buffer, seq: number): Buffer {
  const tail = seq < 128 ? [0x18, seq] : [0x18, (seq & 0x7f) | 0x80, seq >> 7];
  return Buffer.concat([payload, Buffer.from(tail)]);
}

function signalMetrics(s: SignalSample, historical: boolean, birth: boolean): SpMetric[] {
  const keys = ['Quality', 'seq'];
  const values: SpPropertyValue[] = [
    { type: SpDataType.Int32, intValue: opcQuality[s.quality] },
    { type: SpDataType.UInt64, longValue: s.seq },
  ];
  if (s.reason !== '') {
    keys.push('reason');
    values.push({ type: SpDataType.String, stringValue: s.reason });
  }
  if (birth) {
    keys.push('engUnit');
    values.push({ type: SpDataType.String, stringValue: s.unit });
  }
  const m: SpMetric = { name: s.signalId, timestamp: s.ts, datatype: SpDataType.Double, properties: { keys, values } };
  if (s.value === null) m.isNull = true;
  else m.doubleValue = s.value;
  if (historical) m.isHistorical = true;
  const out = [m];
  if (s.loopMa !== undefined) {
    const loop: SpMetric = { name: `${s.signalId}/loop_ma`, timestamp: s.ts, datatype: SpDataType.Double, doubleValue: s.loopMa };
    if (historical) loop.isHistorical = true;
    out.push(loop);
  }
  return out;
}

export interface SparkplugOptions {
  config: Pick<Config, 'site' | 'gateway_id' | 'devices'>;
  prefix: string;
  qos: 0 | 1;
  /** bdSeq survives restarts in this file (the host pairs NBIRTH and NDEATH by it). */
  bdSeqFile: string;
}

export function sparkplugFormat(o: SparkplugOptions): MqttFormat {
  const group = o.config.site;
  const node = o.config.gateway_id;
  const ns = `spBv1.0/${group}`;
  let bdSeq = readBdSeq(o.bdSeqFile);
  const death = (now: number): Buffer => encode(now, [{ name: 'bdSeq', timestamp: now, datatype: SpDataType.Int64, longValue: bdSeq }]);
  return {
    will: () => {
      bdSeq = (bdSeq + 1) % 256;
      try {
        writeFileSync(o.bdSeqFile, String(bdSeq));
      } catch {
        // bdSeq still pairs NBIRTH and NDEATH within this run; the spool reports disk trouble.
      }
      return { topic: `${ns}/NDEATH/${node}`, payload: death(Date.now()), qos: 1, retain: false };
    },
    births: (snap: StoreSnapshot, now: number) => {
      const out: OutboundMessage[] = [];
      const nbirth = encode(now, [
        { name: 'bdSeq', timestamp: now, datatype: SpDataType.Int64, longValue: bdSeq },
        { name: REBIRTH_METRIC, timestamp: now, datatype: SpDataType.Boolean, booleanValue: false },
      ]);
      out.push({ topic: `${ns}/NBIRTH/${node}`, payload: nbirth, qos: 0, retain: false, sparkplugSeq: true, ts: now });
      for (const dev of o.config.devices) {
        const metrics = dev.signals.flatMap((sig) => {
          const s = snap.signals.get(sig.id);
          return s ? signalMetrics(s, false, true) : [];
        });
        out.push({ topic: `${ns}/DBIRTH/${node}/${dev.id}`, payload: encode(now, metrics), qos: 0, retain: false, sparkplugSeq: true, ts: now });
      }
      return out;
    },
    signal: (s, historical) => ({ topic: `${ns}/DDATA/${node}/${s.deviceId}`, payload: encode(Date.now(), signalMetrics(s, historical, false)), qos: o.qos, retain: false, sparkplugSeq: true, ts: s.ts }),
    zone: (z, now) => zoneMessage(o.prefix, o.qos, z, now),
    decision: (d, now) => decisionMessage(o.prefix, o.qos, d, now),
    commands: { topics: commandTopics(group, node), parse: (topic, payload) => parseCommand(group, node, topic, payload) },
    goodbye: (now) => ({ topic: `${ns}/NDEATH/${node}`, payload: death(now), qos: 1, retain: false, sparkplugSeq: false, ts: now }),
  };
}

function readBdSeq(file: string): number {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n >= 0 && n < 256 ? n : 255;
  } catch {
    // First run: the first connection attempt makes it 0.
    return 255;
  }
}

export function bdSeqPath(spoolDir: string): string {
  return join(spoolDir, 'bdseq');
}
