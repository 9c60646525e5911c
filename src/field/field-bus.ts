/**
 * A bus: its connection, its queue, and the transaction rules every read on it follows (timeout,
 * retries for lost or garbled frames, per-attempt metrics). Devices share it through transact().
 */
import type { BusConfig } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { BusConnection, type LinkOpener } from './bus-connection.ts';
import { BusQueue } from './bus-queue.ts';
import type { FieldMetrics } from './field-metrics.ts';
import { ModbusError } from './modbus-errors.ts';
import type { ReadRequest, ReadResult } from './pdu.ts';
import { nowMs } from './precise-wait.ts';
import { charTimeS } from './wire-timing.ts';

/** Failures worth an immediate retry in the same queue slot: the frame was lost or garbled. */
const retriable = new Set(['timeout', 'crc', 'wrong_unit', 'wrong_function', 'byte_count']);

export class FieldBus {
  readonly config: BusConfig;
  readonly connection: BusConnection;
  private readonly queue = new BusQueue();
  private readonly metrics: FieldMetrics | undefined;
  private readonly startedAt = nowMs();
  /** Seconds the bus was busy: wire time of bytes (serial) or transaction time (TCP). */
  private busyTcpS = 0;
  private window = { atMs: nowMs(), busyS: 0 };
  private prevWindow = { atMs: nowMs(), busyS: 0 };

  constructor(config: BusConfig, log: Logger, metrics?: FieldMetrics, opener?: LinkOpener) {
    this.config = config;
    this.metrics = metrics;
    this.connection = new BusConnection(config, log, opener);
  }

  /** One read through the bus queue, retried per the bus's `retries`; throws ModbusError. */
  transact(deviceId: string, req: ReadRequest): Promise<ReadResult> {
    return this.queue.run(async () => {
      const where = `bus ${this.config.id} device ${deviceId} unit ${req.unit}`;
      for (let attempt = 0; ; attempt++) {
        const t0 = nowMs();
        try {
          const link = await this.connection.link();
          const data = await link.read(req, this.config.timeout_ms, where);
          this.account(t0, deviceId, 'ok');
          return data;
        } catch (err) {
          const kind = err instanceof ModbusError ? err.kind : 'other';
          this.account(t0, deviceId, kind);
          if (kind === 'timeout') await this.connection.verify();
          if (!retriable.has(kind) || attempt >= this.config.retries) throw err;
        }
      }
    });
  }

  private account(t0: number, deviceId: string, result: Parameters<FieldMetrics['transaction']>[2]): void {
    const s = (nowMs() - t0) / 1000;
    if (this.config.transport === 'tcp') this.busyTcpS += s;
    this.metrics?.transaction(this.config.id, deviceId, result, s);
  }

  get queueDepth(): number {
    return this.queue.depth;
  }

  /** Busy seconds since start. */
  busySeconds(): number {
    return this.config.transport === 'tcp' ? this.busyTcpS : this.connection.wireBytes * charTimeS(this.config);
  }

  /** Wire time / wall time over the last 5-10 s (since start at first). */
  utilization(): number {
    const now = nowMs();
    const busy = this.busySeconds();
    if (now - this.window.atMs >= 5000) {
      this.prevWindow = this.window;
      this.window = { atMs: now, busyS: busy };
    }
    const from = this.prevWindow.atMs === this.window.atMs ? { atMs: this.startedAt, busyS: 0 } : this.prevWindow;
    const wallS = (now - from.atMs) / 1000;
    return wallS > 0 ? Math.min(1, (busy - from.busyS) / wallS) : 0;
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}
