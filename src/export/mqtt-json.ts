/**
 * Plain JSON topics under the prefix: signals/<id>, zones/<id>, gate/decisions, and status
 * ("online" birth, "offline" last will; both retained).
 */
import type { SignalSample, ZoneState } from '../signals/sample.ts';
import type { MqttFormat } from './mqtt-format.ts';
import type { OutboundMessage } from './mqtt-record.ts';

export interface JsonSignalPayload {
  signal: string;
  device: string;
  kind: string;
  value: number | null;
  unit: string;
  quality: string;
  reason: string;
  /** Sample time, ms since epoch. */
  ts: number;
  /** The store's per-signal sequence number: gaps and repeats are visible to consumers. */
  seq: number;
  loop_ma?: number;
}

export function signalPayload(s: SignalSample): JsonSignalPayload {
  const p: JsonSignalPayload = { signal: s.signalId, device: s.deviceId, kind: s.kind, value: s.value, unit: s.unit, quality: s.quality, reason: s.reason, ts: s.ts, seq: s.seq };
  if (s.loopMa !== undefined) p.loop_ma = s.loopMa;
  return p;
}

export function zonePayload(z: ZoneState, now: number): object {
  return {
    zone: z.zoneId,
    temperature: z.temperature,
    power: z.power,
    quality: z.quality,
    reason: z.reason,
    oldest_input_age_ms: Number.isFinite(z.oldestInputAgeMs) ? z.oldestInputAgeMs : null,
    ts: now,
  };
}

/** Zone status and gate decisions are JSON in both formats. */
export function zoneMessage(prefix: string, qos: 0 | 1, z: ZoneState, now: number): OutboundMessage {
  return { topic: `${prefix}/zones/${z.zoneId}`, payload: Buffer.from(JSON.stringify(zonePayload(z, now))), qos, retain: false, sparkplugSeq: false, ts: now };
}

export function decisionMessage(prefix: string, qos: 0 | 1, decision: object, now: number): OutboundMessage {
  return { topic: `${prefix}/gate/decisions`, payload: Buffer.from(JSON.stringify(decision)), qos, retain: false, sparkplugSeq: false, ts: now };
}

export function jsonFormat(prefix: string, qos: 0 | 1): MqttFormat {
  const status = (text: 'online' | 'offline', now: number): OutboundMessage => ({ topic: `${prefix}/status`, payload: Buffer.from(text), qos: 1, retain: true, sparkplugSeq: false, ts: now });
  return {
    will: () => ({ topic: `${prefix}/status`, payload: Buffer.from('offline'), qos: 1, retain: true }),
    births: (_snap, now) => [status('online', now)],
    signal: (s) => ({ topic: `${prefix}/signals/${s.signalId}`, payload: Buffer.from(JSON.stringify(signalPayload(s))), qos, retain: false, sparkplugSeq: false, ts: s.ts }),
    zone: (z, now) => zoneMessage(prefix, qos, z, now),
    decision: (d, now) => decisionMessage(prefix, qos, d, now),
    goodbye: (now) => status('offline', now),
  };
}
