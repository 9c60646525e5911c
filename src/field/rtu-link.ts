/**
 * Modbus RTU framing over a byte stream (a serial port, or a TCP socket to a serial device
 * server): one transaction at a time, the t3.5 silence kept before every request (measured from
 * the last byte seen on the line, so also after timeouts, late replies and noise), and replies
 * parsed by their expected length rather than by timing, so a reply is taken the moment its last
 * byte arrives.
 */
import type { Duplex } from 'node:stream';
import { crcOk, withCrc } from './crc16.ts';
import { ModbusCrcError, ModbusDisconnectedError, ModbusTimeoutError, ModbusWrongFunctionError, ModbusWrongUnitError, type ModbusError } from './modbus-errors.ts';
import { decodeReplyPdu, encodeReadPdu, type ReadRequest, type ReadResult } from './pdu.ts';
import { nowMs, waitUntil } from './precise-wait.ts';
import { t35S, wireTimeS, type SerialFraming } from './wire-timing.ts';
import type { ModbusLink } from './link.ts';

export interface RtuLinkHooks {
  /** Closes the underlying port and resolves once its fd is closed. */
  close?: () => Promise<void>;
  /** Whether the device node is still the one that was opened. */
  stillThere?: () => boolean;
}

interface Pending {
  req: ReadRequest;
  where: string;
  resolve: (r: ReadResult) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  silence?: NodeJS.Timeout | undefined;
  /** A valid frame from another unit arrived (a late reply, or a duplicate address on the bus). */
  wrongUnit?: number | undefined;
}

/** Quiet time before judging bytes that hold no valid reply (covers USB latency-timer chunks). */
const JUDGE_SILENCE_MS = 20;

export class RtuLink implements ModbusLink {
  private readonly stream: Duplex;
  private readonly t35Ms: number;
  private readonly charMs: number;
  private rx: Buffer = Buffer.alloc(0);
  /** performance.now() when the line was last busy (our request's last byte, or any byte received). */
  private lineBusyUntil = 0;
  private pending: Pending | undefined;
  private closedErr: Error | undefined;
  private busy = false;
  wireBytes = 0;
  strayBytes = 0;

  private readonly hooks: RtuLinkHooks;

  constructor(stream: Duplex, framing: SerialFraming, hooks: RtuLinkHooks = {}) {
    this.stream = stream;
    this.hooks = hooks;
    this.t35Ms = t35S(framing) * 1000;
    this.charMs = wireTimeS(framing, 1) * 1000;
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    const onGone = (err?: Error): void => this.fail(new ModbusDisconnectedError(`stream closed${err ? `: ${err.message}` : ''}`, { cause: err }));
    stream.on('error', onGone);
    stream.on('close', () => onGone());
    stream.on('end', () => onGone());
  }

  get open(): boolean {
    return this.closedErr === undefined;
  }

  async read(req: ReadRequest, timeoutMs: number, where: string): Promise<ReadResult> {
    if (this.busy) throw new Error('RtuLink.read called concurrently: the bus queue must serialise transactions');
    this.busy = true;
    try {
      const pdu = encodeReadPdu(req);
      // Keep t3.5 from the last byte on the line; bytes arriving while we wait push it further.
      for (let target = this.lineBusyUntil + this.t35Ms; nowMs() < target; target = this.lineBusyUntil + this.t35Ms) await waitUntil(target);
      if (this.closedErr) throw this.closedErr;
      this.rx = Buffer.alloc(0);
      const frame = withCrc(Buffer.concat([Buffer.of(req.unit), pdu]));
      return await new Promise<ReadResult>((resolve, reject) => {
        const timer = setTimeout(() => this.timeout(), timeoutMs);
        this.pending = { req, where, resolve, reject, timer };
        this.lineBusyUntil = nowMs() + frame.length * this.charMs;
        this.wireBytes += frame.length;
        this.stream.write(frame);
      });
    } finally {
      this.busy = false;
    }
  }

  /** False when the device behind the stream is known to be gone (e.g. the tty node vanished). */
  stillThere(): boolean {
    return this.hooks.stillThere?.() ?? true;
  }

  close(): Promise<void> {
    this.fail(new ModbusDisconnectedError('link closed'));
    if (this.hooks.close) return this.hooks.close();
    return new Promise((resolve) => {
      if (this.stream.destroyed) resolve();
      else this.stream.once('close', () => resolve()).destroy();
    });
  }

  private onData(chunk: Buffer): void {
    this.lineBusyUntil = Math.max(this.lineBusyUntil, nowMs());
    this.wireBytes += chunk.length;
    const p = this.pending;
    if (!p) {
      this.strayBytes += chunk.length;
      return;
    }
    this.rx = this.rx.length === 0 ? chunk : Buffer.concat([this.rx, chunk]);
    this.parse(p);
  }

  /**
   * Looks for our reply anywhere in what arrived: a late or truncated frame of an earlier
   * transaction, another unit's reply or line noise in front of it are skipped. When nothing
   * valid is there and the buffer cannot be the start of our reply, the line is given
   * JUDGE_SILENCE_MS of quiet (USB adapters deliver in chunks) before the failure is named.
   */
  private parse(p: Pending): void {
    const buf = this.rx;
    const { unit, fn } = p.req;
    for (let off = 0; off + 5 <= buf.length; off++) {
      const f = buf[off + 1]!;
      const need = f === fn ? 5 + buf[off + 2]! : f === (fn | 0x80) ? 5 : 0;
      if (need === 0 || off + need > buf.length) continue;
      const frame = buf.subarray(off, off + need);
      if (!crcOk(frame)) continue;
      if (frame[0] !== unit) {
        p.wrongUnit = frame[0];
        off += need - 1;
        continue;
      }
      try {
        this.settle(decodeReplyPdu(p.req, frame.subarray(1, need - 2), p.where));
      } catch (err) {
        this.settle(err as ModbusError);
      }
      return;
    }
    // Still the beginning of our reply: wait for the rest (the timeout bounds it).
    if (buf[0] === unit && (buf.length < 2 || buf[1] === fn || buf[1] === (fn | 0x80))) {
      const need = buf[1] === fn ? (buf.length >= 3 ? 5 + buf[2]! : Infinity) : 5;
      if (buf.length < need) return;
    }
    clearTimeout(p.silence);
    p.silence = setTimeout(() => this.judge(p), Math.max(JUDGE_SILENCE_MS, Math.ceil(this.t35Ms)));
  }

  /** Names what arrived instead of a valid reply. */
  private judge(p: Pending): void {
    if (this.pending !== p) return;
    const buf = this.rx;
    if (p.wrongUnit !== undefined) return this.settle(new ModbusWrongUnitError(`${p.where}: asked unit ${p.req.unit}, reply from unit ${p.wrongUnit}`));
    if (crcOk(buf) && buf[0] === p.req.unit) return this.settle(new ModbusWrongFunctionError(`${p.where}: asked function ${p.req.fn}, reply has ${buf[1]}`));
    if (crcOk(buf)) return this.settle(new ModbusWrongUnitError(`${p.where}: asked unit ${p.req.unit}, reply from unit ${buf[0]}`));
    this.settle(new ModbusCrcError(`${p.where}: ${buf.length} bytes with no valid frame (CRC mismatch or noise)`));
  }

  private timeout(): void {
    const p = this.pending;
    if (!p) return;
    const got = this.rx.length;
    if (p.wrongUnit !== undefined || (got > 0 && !(this.rx[0] === p.req.unit && (got < 2 || this.rx[1] === p.req.fn)))) return this.judge(p);
    this.settle(new ModbusTimeoutError(`${p.where}: no ${got > 0 ? 'complete ' : ''}reply to fn ${p.req.fn} @${p.req.address}+${p.req.count} within the timeout${got > 0 ? ` (${got} bytes, truncated)` : ''}`));
  }

  private settle(outcome: ReadResult | Error): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    clearTimeout(p.timer);
    clearTimeout(p.silence);
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
  }

  private fail(err: Error): void {
    this.closedErr ??= err;
    this.settle(err);
  }
}
