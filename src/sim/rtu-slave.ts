/**
 * A Modbus RTU slave serving a RegisterSource over a byte stream: one end of a pty pair (a
 * path, opened as a SerialLine) or any Duplex. It can hold each reply for the wire time its
 * bytes take at the configured baud and framing (`wirePaced`), counts t3.5 violations (a request
 * starting less than t3.5 after the previous frame ended), records every function code, and
 * injects protocol faults on demand.
 */
import type { Duplex } from 'node:stream';
import { crcOk, withCrc } from '../field/crc16.ts';
import { nowMs, waitUntil } from '../field/precise-wait.ts';
import { SerialLine } from '../field/serial-line.ts';
import { charTimeS, t35S, type SerialFraming } from '../field/wire-timing.ts';
import { answerPdu, FunctionCodeLog } from './modbus-answer.ts';
import type { RegisterSource } from './register-source.ts';

/** crc: last byte flipped; garbage: noise before the reply; wrong_unit / wrong_function: a valid
 *  frame with another unit id / read function; byte_count: a valid frame one register short;
 *  truncate: the last 3 bytes missing; silent: no reply. */
export type RtuFault = 'crc' | 'garbage' | 'wrong_unit' | 'wrong_function' | 'byte_count' | 'truncate' | 'silent';

export interface RtuSlaveOptions {
  /** A serial device (e.g. one end of `socat pty,raw,echo=0,link=A pty,raw,echo=0,link=B`). */
  path?: string;
  stream?: Duplex;
  baud?: number;
  parity?: SerialFraming['parity'];
  stopBits?: 1 | 2;
  dataBits?: 7 | 8;
  /** Deliver each reply when its last byte would arrive on a real wire (default false). */
  wirePaced?: boolean;
}

export interface RtuSlave {
  functionCodes: FunctionCodeLog;
  /** t35Violations: requests that began < t3.5 after the previous frame ended; collisions: replies
   *  sent after the master had already started its next request (a slave slower than the timeout). */
  stats: { requests: number; replies: number; t35Violations: number; collisions: number; crcErrors: number; minGapMs: number };
  /** The next `times` replies carry this fault. */
  inject(fault: RtuFault, times?: number): void;
  /** Writes bytes onto the line outside any transaction (noise). */
  writeNoise(bytes: Uint8Array): void;
  close(): Promise<void>;
}

/** Request length from its first bytes, or undefined while unknown (-1: unknown function). */
function requestLength(buf: Uint8Array): number | undefined {
  if (buf.length < 2) return undefined;
  const fn = buf[1]!;
  if (fn >= 1 && fn <= 6) return 8;
  if (fn === 15 || fn === 16) return buf.length >= 7 ? 9 + buf[6]! : undefined;
  if (fn === 22) return 10;
  if (fn === 23) return buf.length >= 11 ? 13 + buf[10]! : undefined;
  return -1;
}

export async function startRtuSlave(source: RegisterSource, o: RtuSlaveOptions): Promise<RtuSlave> {
  const framing: SerialFraming = { baud: o.baud ?? 19200, data_bits: o.dataBits ?? 8, parity: o.parity ?? 'even', stop_bits: o.stopBits ?? 1 };
  const stream: Duplex = o.stream ?? (await SerialLine.open(o.path!, framing));
  const charMs = charTimeS(framing) * 1000;
  const t35Ms = t35S(framing) * 1000;
  const functionCodes = new FunctionCodeLog();
  const stats = { requests: 0, replies: 0, t35Violations: 0, collisions: 0, crcErrors: 0, minGapMs: Infinity };
  const faults: RtuFault[] = [];
  let rx: Buffer = Buffer.alloc(0);
  let frameStart = 0;
  let lastFrameEnd = -Infinity;
  let lastRequestStart = -Infinity;
  let silenceTimer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();

  const handle = async (frame: Buffer, startMs: number): Promise<void> => {
    const reqEnd = startMs + frame.length * charMs;
    lastFrameEnd = Math.max(lastFrameEnd, reqEnd);
    if (!crcOk(frame)) {
      stats.crcErrors++;
      return;
    }
    stats.requests++;
    functionCodes.record(frame[1]!);
    const unit = frame[0]!;
    const pdu = await answerPdu(source, unit, frame.subarray(1, frame.length - 2));
    const fault = faults.shift();
    if (!pdu || unit === 0 || fault === 'silent') return;
    let body = pdu;
    if (fault === 'wrong_function') body = Buffer.concat([Buffer.of(pdu[0] === 3 ? 4 : 3), pdu.subarray(1)]);
    if (fault === 'byte_count' && pdu.length > 4) body = Buffer.concat([Buffer.of(pdu[0]!, pdu[1]! - 2), pdu.subarray(2, pdu.length - 2)]);
    let out = withCrc(Buffer.concat([Buffer.of(fault === 'wrong_unit' ? (unit % 247) + 1 : unit), body]));
    if (fault === 'crc') out[out.length - 1]! ^= 0xff;
    if (fault === 'truncate') out = out.subarray(0, Math.max(2, out.length - 3));
    if (fault === 'garbage') out = Buffer.concat([Buffer.of(0xff, 0x00, 0x55), out]);
    const replyStart = Math.max(nowMs(), reqEnd + t35Ms);
    const replyEnd = replyStart + out.length * charMs;
    if (o.wirePaced) await waitUntil(replyEnd);
    if (stream.destroyed) return;
    // A later request began before this reply: the slave answered after the master gave up.
    if (lastRequestStart > startMs) stats.collisions++;
    // Stamped before the write: the last byte cannot reach the line earlier, and a slave process
    // descheduled right after write() must not push the frame end past the master's next request.
    const writtenAt = nowMs();
    stream.write(out);
    stats.replies++;
    lastFrameEnd = o.wirePaced ? writtenAt : replyEnd;
  };

  const take = (len: number): void => {
    const frame = rx.subarray(0, len);
    rx = rx.subarray(len);
    const start = frameStart;
    frameStart = nowMs();
    chain = chain.then(() => handle(frame, start)).catch(() => undefined);
  };

  stream.on('data', (chunk: Buffer) => {
    const now = nowMs();
    if (rx.length === 0) {
      frameStart = now;
      lastRequestStart = now;
      // Against the last frame that had begun before this request: our reply (its modelled end
      // may lie ahead when not wire-paced) or the request before.
      const gap = now - lastFrameEnd;
      stats.minGapMs = Math.min(stats.minGapMs, gap);
      if (gap < t35Ms) stats.t35Violations++;
    }
    rx = rx.length === 0 ? chunk : Buffer.concat([rx, chunk]);
    clearTimeout(silenceTimer);
    for (let len = requestLength(rx); len !== undefined && len > 0 && rx.length >= len; len = requestLength(rx)) take(len);
    if (rx.length > 0) silenceTimer = setTimeout(() => rx.length > 0 && take(rx.length), Math.max(2, Math.ceil(t35Ms)));
  });
  stream.on('error', () => undefined);

  return {
    functionCodes,
    stats,
    inject: (fault, times = 1) => {
      for (let i = 0; i < times; i++) faults.push(fault);
    },
    writeNoise: (bytes) => void stream.write(Buffer.from(bytes)),
    close: async () => {
      clearTimeout(silenceTimer);
      await chain;
      if (stream.destroyed) return;
      await new Promise<void>((resolve) => stream.once('close', () => resolve()).destroy());
    },
  };
}
