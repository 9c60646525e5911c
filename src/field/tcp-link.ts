/**
 * Modbus/TCP framing (MBAP header) over one socket. One transaction in flight per connection;
 * replies are matched by transaction id, so a late reply to a timed-out request is dropped
 * instead of being taken for the next one's.
 */
import type { Socket } from 'node:net';
import { ModbusDisconnectedError, ModbusTimeoutError, ModbusWrongUnitError, type ModbusError } from './modbus-errors.ts';
import { decodeReplyPdu, encodeReadPdu, type ReadRequest, type ReadResult } from './pdu.ts';
import type { ModbusLink } from './link.ts';

interface Pending {
  tid: number;
  req: ReadRequest;
  where: string;
  resolve: (r: ReadResult) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class TcpLink implements ModbusLink {
  private readonly socket: Socket;
  private rx: Buffer = Buffer.alloc(0);
  private tid = 0;
  private pending: Pending | undefined;
  private closedErr: Error | undefined;
  wireBytes = 0;
  staleReplies = 0;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const onGone = (err?: Error): void => this.fail(new ModbusDisconnectedError(`connection closed${err ? `: ${err.message}` : ''}`, { cause: err }));
    socket.on('error', onGone);
    socket.on('close', () => onGone());
    socket.on('end', () => onGone());
  }

  get open(): boolean {
    return this.closedErr === undefined;
  }

  read(req: ReadRequest, timeoutMs: number, where: string): Promise<ReadResult> {
    if (this.closedErr) return Promise.reject(this.closedErr);
    if (this.pending) return Promise.reject(new Error('TcpLink.read called concurrently: the bus queue must serialise transactions'));
    const pdu = encodeReadPdu(req);
    this.tid = (this.tid + 1) & 0xffff;
    const adu = Buffer.alloc(7 + pdu.length);
    adu.writeUInt16BE(this.tid, 0);
    adu.writeUInt16BE(0, 2);
    adu.writeUInt16BE(pdu.length + 1, 4);
    adu[6] = req.unit;
    adu.set(pdu, 7);
    return new Promise<ReadResult>((resolve, reject) => {
      const timer = setTimeout(() => this.settle(new ModbusTimeoutError(`${where}: no reply to fn ${req.fn} @${req.address}+${req.count} within ${timeoutMs} ms`)), timeoutMs);
      this.pending = { tid: this.tid, req, where, resolve, reject, timer };
      this.wireBytes += adu.length;
      this.socket.write(adu);
    });
  }

  close(): Promise<void> {
    this.fail(new ModbusDisconnectedError('link closed'));
    return new Promise((resolve) => {
      if (this.socket.destroyed) resolve();
      else this.socket.once('close', () => resolve()).destroy();
    });
  }

  private onData(chunk: Buffer): void {
    this.wireBytes += chunk.length;
    this.rx = this.rx.length === 0 ? chunk : Buffer.concat([this.rx, chunk]);
    while (this.rx.length >= 7) {
      const len = this.rx.readUInt16BE(4);
      if (this.rx.readUInt16BE(2) !== 0 || len < 2 || len > 254) {
        // Not Modbus/TCP: the stream cannot be resynchronised.
        this.fail(new ModbusDisconnectedError(`invalid MBAP header (protocol ${this.rx.readUInt16BE(2)}, length ${len})`));
        this.socket.destroy();
        return;
      }
      if (this.rx.length < 6 + len) return;
      const adu = this.rx.subarray(0, 6 + len);
      this.rx = this.rx.subarray(6 + len);
      this.onAdu(adu);
    }
  }

  private onAdu(adu: Buffer): void {
    const p = this.pending;
    if (!p || adu.readUInt16BE(0) !== p.tid) {
      this.staleReplies++;
      return;
    }
    if (adu[6] !== p.req.unit) return this.settle(new ModbusWrongUnitError(`${p.where}: asked unit ${p.req.unit}, reply from unit ${adu[6]}`));
    try {
      this.settle(decodeReplyPdu(p.req, adu.subarray(7), p.where));
    } catch (err) {
      this.settle(err as ModbusError);
    }
  }

  private settle(outcome: ReadResult | Error): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    clearTimeout(p.timer);
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
  }

  private fail(err: Error): void {
    this.closedErr ??= err;
    this.settle(err);
  }
}
