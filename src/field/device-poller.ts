/**
 * Polls one device at its poll_ms through its bus: the planned reads, decoded and handed to the
 * sink. An overrun (the previous poll still running) is counted, never queued. A device that
 * gives no reply at all backs off exponentially (jitter, capped at 30 s) so the devices sharing
 * its bus keep their rate; exception 6 (busy) is retried after busy_retry_ms, outside the queue.
 * pollOnce() never rejects.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeviceConfig, SignalConfig } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { Backoff } from './backoff.ts';
import { decodeValue } from './decode.ts';
import type { FieldBus } from './field-bus.ts';
import type { FieldMetrics } from './field-metrics.ts';
import { ModbusExceptionError, toFieldFailure } from './modbus-errors.ts';
import { functionOfTable, type ReadResult } from './pdu.ts';
import { planDevice, type PlannedRead } from './planner.ts';
import type { FieldFailure, FieldFailureKind, RawValue, ReadingSink } from './readings.ts';

/** Failures that prove the device answered (so it is alive: no backoff). */
const deviceAnswered = new Set<FieldFailureKind>(['exception', 'busy', 'wrong_function', 'byte_count']);

export interface ReadOutcome {
  read: PlannedRead;
  /** Decoded values of the read's signals by id (the same entries the sink got), or the failure. */
  values?: ReadonlyArray<readonly [string, RawValue]>;
  failure?: FieldFailure;
}

export interface PollOutcome {
  ts: number;
  reads: ReadOutcome[];
  /** The device answered at least one read (possibly with an exception). */
  answered: boolean;
}

export class DevicePoller {
  readonly device: DeviceConfig;
  readonly plan: PlannedRead[];
  private readonly bus: FieldBus;
  private readonly sink: ReadingSink;
  private readonly metrics: FieldMetrics | undefined;
  private readonly log: Logger;
  private readonly clock: () => number;
  private readonly signals: Map<string, SignalConfig>;
  private readonly backoff: Backoff;
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<PollOutcome> | undefined;
  private backoffUntil = 0;
  overruns = 0;
  polls = 0;
  onFirstPoll: (() => void) | undefined;
  /** Called whenever the schedule turns: a poll completed, or a tick skipped for backoff. A poll
   *  that never completes stops the beats (overruns do not beat): that is the stall to catch. */
  onBeat: (() => void) | undefined;

  constructor(device: DeviceConfig, bus: FieldBus, sink: ReadingSink, log: Logger, clock: () => number, metrics?: FieldMetrics) {
    this.device = device;
    this.bus = bus;
    this.sink = sink;
    this.metrics = metrics;
    this.log = log;
    this.clock = clock;
    this.plan = planDevice(device, bus.config);
    this.signals = new Map(device.signals.map((s) => [s.id, s]));
    this.backoff = new Backoff({ initialMs: device.poll_ms });
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.device.poll_ms);
    this.timer.unref();
    this.tick();
  }

  /** Stops the schedule and waits for the poll in flight (if any). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.abort.abort();
    await this.inFlight;
  }

  /** The longest one poll of this device can take when every read times out and is retried. */
  worstPollMs(): number {
    const b = this.bus.config;
    return this.plan.length * b.timeout_ms * (b.retries + 1) + b.busy_retry_ms;
  }

  /** Current backoff delay (s); 0 while healthy. */
  get backoffS(): number {
    return this.backoff.delayMs / 1000;
  }

  tick(): void {
    if (this.abort.signal.aborted) return;
    if (this.inFlight) {
      this.overruns++;
      this.metrics?.overrun(this.bus.config.id, this.device.id);
      return;
    }
    if (Date.now() < this.backoffUntil) {
      this.onBeat?.();
      return;
    }
    this.inFlight = this.pollOnce().finally(() => {
      this.inFlight = undefined;
      this.onBeat?.();
    });
  }

  /** One poll of every planned read; hands values and failures to the sink. Never rejects. */
  async pollOnce(): Promise<PollOutcome> {
    const reads: ReadOutcome[] = [];
    // What the sink gets, built as the reads decode (no second pass over every value).
    const values: Array<readonly [string, RawValue]> = [];
    let answered = false;
    let down: FieldFailure | undefined;
    for (const read of this.plan) {
      if (down) {
        reads.push({ read, failure: down });
        continue;
      }
      try {
        const data = await this.readWithBusyRetry(read);
        answered = true;
        const first = values.length;
        for (const id of read.signals) {
          const sig = this.signals.get(id)!;
          values.push([id, decodeValue(data, sig.address - read.start, sig)]);
        }
        reads.push({ read, values: values.slice(first) });
      } catch (err) {
        const failure = toFieldFailure(err);
        if (deviceAnswered.has(failure.kind)) answered = true;
        else down = failure; // the device is not answering: skip the rest of this poll
        reads.push({ read, failure });
      }
    }
    const ts = this.clock();
    if (values.length > 0) this.sink.values(this.device.id, ts, values);
    for (const r of reads) if (r.failure) this.sink.failure(this.device.id, ts, r.read.signals, r.failure);
    this.afterPoll(answered, down);
    this.polls++;
    if (this.polls === 1) this.onFirstPoll?.();
    return { ts, reads, answered };
  }

  private afterPoll(answered: boolean, down: FieldFailure | undefined): void {
    if (answered || this.plan.length === 0) {
      if (this.backoff.consecutiveFailures > 0) this.log.info({ event: 'device_recovered', device: this.device.id }, `device ${this.device.id} answers again`);
      this.backoff.reset();
      this.backoffUntil = 0;
      return;
    }
    const delay = Math.round(this.backoff.fail());
    this.backoffUntil = Date.now() + delay;
    // One line per backoff step: the steps grow, so this is rate-limited by construction. A bus
    // that cannot open logs that itself, once per attempt: its devices then only log at debug.
    this.log[down?.kind === 'disconnected' ? 'debug' : 'warn']({ event: 'device_backoff', device: this.device.id, kind: down?.kind, backoff_ms: delay, failures: this.backoff.consecutiveFailures }, `device ${this.device.id}: ${down?.message ?? 'no reply'}; next poll in ${delay} ms`);
  }

  private async readWithBusyRetry(read: PlannedRead): Promise<ReadResult> {
    const req = { unit: this.device.unit, fn: functionOfTable[read.table], address: read.start, count: read.count };
    const busyRetries = Math.max(1, this.bus.config.retries);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.bus.transact(this.device.id, req);
      } catch (err) {
        if (!(err instanceof ModbusExceptionError && err.exceptionCode === 6) || attempt >= busyRetries || this.abort.signal.aborted) throw err;
        // The pause is outside the bus queue: other devices use the bus meanwhile. No reconnect.
        await sleep(this.bus.config.busy_retry_ms, undefined, { signal: this.abort.signal }).catch(() => undefined);
      }
    }
  }
}
