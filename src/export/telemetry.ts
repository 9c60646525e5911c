/**
 * The OpenTelemetry side of the daemon: the MeterProvider every component records on, and the
 * components that serve or push it. Placeholder until the metrics issue lands: a no-op meter.
 */
import { metrics, type Meter } from '@opentelemetry/api';
import type { Config } from '../config/schema.ts';
import type { Component } from '../lifecycle.ts';
import type { Logger } from '../log.ts';

export interface Telemetry {
  meter: Meter;
  /** Built once the runtime exists (observable gauges read the store). */
  components(rt: import('../runtime.ts').Runtime): Component[];
}

export function createTelemetry(_config: Config, _log: Logger): Telemetry {
  return { meter: metrics.getMeterProvider().getMeter('loopgate'), components: () => [] };
}
