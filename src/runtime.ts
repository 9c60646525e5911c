/** What every component factory receives from the service: shared, long-lived, built once. */
import type { Meter } from '@opentelemetry/api';
import type { Config } from './config/schema.ts';
import type { Liveness } from './liveness.ts';
import type { Logger } from './log.ts';
import type { Readiness } from './readiness.ts';
import type { Clock, SignalStore } from './signals/store.ts';

export interface Runtime {
  readonly config: Config;
  readonly log: Logger;
  readonly store: SignalStore;
  /** Instruments are created on this meter (the export layer's MeterProvider; a no-op meter in tests). */
  readonly meter: Meter;
  readonly readiness: Readiness;
  /**
   * Each poll loop registers here and beats after every cycle; systemd's WATCHDOG=1 is sent only
   * while every registered loop turns. Optional so test runtimes need not build one.
   */
  readonly liveness?: Liveness;
  readonly clock: Clock;
}
