/**
 * One spooled MQTT message on disk: [u32 body length][u32 crc32(body)][body], body =
 * [u8 flags][f64 enqueued-at ms][u16 topic length][topic utf-8][payload]. The CRC finds a torn
 * tail after a crash (the spool truncates there); everything before it is intact.
 */
import { crc32 } from 'node:zlib';

export interface OutboundMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
  retain: boolean;
  /** Sparkplug: the session's `seq` is appended at send time (a protobuf field may come last). */
  sparkplugSeq: boolean;
  /** When the message was made (ms since epoch). */
  ts: number;
}

export interface SpooledMessage extends OutboundMessage {
  /** Position in the spool: consecutive, never reused. */
  id: number;
}

export const FRAME_HEADER_BYTES = 8;
const BODY_FIXED_BYTES = 1 + 8 + 2;
const FLAG_RETAIN = 0x04;
const FLAG_SPARKPLUG_SEQ = 0x08;

export function encodeRecord(m: OutboundMessage): Buffer {
  const topicLen = Buffer.byteLength(m.topic);
  const bodyLen = BODY_FIXED_BYTES + topicLen + m.payload.length;
  const buf = Buffer.allocUnsafe(FRAME_HEADER_BYTES + bodyLen);
  buf.writeUInt32BE(bodyLen, 0);
  let o = FRAME_HEADER_BYTES;
  buf.writeUInt8(m.qos | (m.retain ? FLAG_RETAIN : 0) | (m.sparkplugSeq ? FLAG_SPARKPLUG_SEQ : 0), o);
  buf.writeDoubleBE(m.ts, o + 1);
  buf.writeUInt16BE(topicLen, o + 9);
  o += BODY_FIXED_BYTES;
  o += buf.write(m.topic, o, 'utf8');
  m.payload.copy(buf, o);
  buf.writeUInt32BE(crc32(buf.subarray(FRAME_HEADER_BYTES)), 4);
  return buf;
}

export type FrameResult =
  | { kind: 'record'; message: OutboundMessage; bytes: number }
  /** Not enough bytes yet: `need` is the whole frame's length when known. */
  | { kind: 'partial'; need: number }
  | { kind: 'corrupt' };

/** Decodes the frame at `offset` of `buf`. */
export function decodeFrame(buf: Buffer, offset: number): FrameResult {
  if (buf.length - offset < FRAME_HEADER_BYTES) return { kind: 'partial', need: FRAME_HEADER_BYTES };
  const bodyLen = buf.readUInt32BE(offset);
  if (bodyLen < BODY_FIXED_BYTES || bodyLen > 256 * 1024 * 1024) return { kind: 'corrupt' };
  const total = FRAME_HEADER_BYTES + bodyLen;
  if (buf.length - offset < total) return { kind: 'partial', need: total };
  const body = buf.subarray(offset + FRAME_HEADER_BYTES, offset + total);
  if (crc32(body) !== buf.readUInt32BE(offset + 4)) return { kind: 'corrupt' };
  const flags = body.readUInt8(0);
  const topicLen = body.readUInt16BE(9);
  if (BODY_FIXED_BYTES + topicLen > bodyLen) return { kind: 'corrupt' };
  const topic = body.toString('utf8', BODY_FIXED_BYTES, BODY_FIXED_BYTES + topicLen);
  const payload = Buffer.from(body.subarray(BODY_FIXED_BYTES + topicLen));
  return {
    kind: 'record',
    bytes: total,
    message: { topic, payload, qos: (flags & 0x03) === 1 ? 1 : 0, retain: (flags & FLAG_RETAIN) !== 0, sparkplugSeq: (flags & FLAG_SPARKPLUG_SEQ) !== 0, ts: body.readDoubleBE(1) },
  };
}
