/**
 * Composes the components and owns the lifecycle: start in order (sinks -> store -> sources ->
 * api), stop in reverse under one drain bound. Nothing else here.
 */
import { boundedDelay, type Component } from './lifecycle.ts';
import type { Config } from './config/schema.ts';
import type { Logger } from './log.ts';
import { Liveness } from './liveness.ts';
import { Readiness } from './readiness.ts';
import type { Runtime } from './runtime.ts';
import { SignalStore } from './signals/store.ts';
import { createTelemetry } from './export/telemetry.ts';
import { createMqttPublisher } from './export/mqtt-components.ts';
import { createGateEngine } from './gate/create-engine.ts';
import { createFieldComponents } from './field/field-components.ts';
import { createApiComponents } from './api/api-components.ts';

export const DRAIN_BOUND_MS = 10_000;

export interface ServiceDeps {
  config: Config;
  log: Logger;
}

/** Long-lived parts shared between the service and whoever built it (the CLI's demo watches the store). */
export interface SharedParts {
  readiness?: Readiness;
  liveness?: Liveness;
  store?: SignalStore;
}

export interface ServiceOptions extends SharedParts {
  /** Replaces the components built from config (tests). */
  components?: Component[];
  /** Started before the daemon's own components and stopped after them (the demo's simulated plant). */
  before?: Component[];
}

export class Service {
  private readonly log: Logger;
  private readonly components: Component[];
  private readonly started: Component[] = [];
  private stopping: Promise<void> | undefined;
  readonly readiness: Readiness;
  /** Poll loops beat it; systemd's watchdog reads it (src/systemd-watchdog.ts). */
  readonly liveness: Liveness;

  constructor(deps: ServiceDeps, opts: ServiceOptions = {}) {
    this.log = deps.log.child({ component: 'service' });
    this.readiness = opts.readiness ?? new Readiness();
    this.liveness = opts.liveness ?? new Liveness();
    const own = opts.components ?? buildComponents(deps, { readiness: this.readiness, liveness: this.liveness, ...(opts.store ? { store: opts.store } : {}) });
    this.components = [...(opts.before ?? []), ...own];
  }

  async start(): Promise<void> {
    for (const c of this.components) {
      if (this.stopping) return;
      await c.start();
      this.started.push(c);
      this.log.debug({ part: c.name }, 'component started');
    }
    this.readiness.seal();
  }

  /** Idempotent: later calls return the first stop's promise. */
  stop(drainMs = DRAIN_BOUND_MS): Promise<void> {
    this.stopping ??= this.stopAll(drainMs);
    return this.stopping;
  }

  private async stopAll(drainMs: number): Promise<void> {
    const bound = boundedDelay(drainMs);
    const drain = (async () => {
      for (const c of [...this.started].reverse()) {
        try {
          await c.stop();
        } catch (err) {
          this.log.error({ err, part: c.name }, 'component failed to stop cleanly');
        }
      }
    })();
    const outcome = await Promise.race([drain.then(() => 'drained' as const), bound.promise]);
    bound.cancel();
    if (outcome === 'timeout') this.log.warn({ drain_ms: drainMs }, 'drain bound reached; stopping anyway');
  }
}

/**
 * Builds the daemon's components from config, in start order: sinks (metrics, MQTT) -> sources
 * (field buses feeding the store) -> api (gate). Stop runs in reverse. `store` lets a caller
 * (the CLI's demo) watch the same store the components feed.
 */
export function buildComponents(deps: ServiceDeps, shared: SharedParts = {}): Component[] {
  const { config, log } = deps;
  const telemetry = createTelemetry(config, log);
  const rt: Runtime = {
    config,
    log,
    store: shared.store ?? new SignalStore(config),
    meter: telemetry.meter,
    readiness: shared.readiness ?? new Readiness(),
    liveness: shared.liveness ?? new Liveness(),
    clock: Date.now,
  };
  const mqtt = createMqttPublisher(rt);
  const engine = createGateEngine(rt);
  // Every gate decision also goes to the plant's broker (<prefix>/gate/decisions).
  if (mqtt) engine.onDecision((d) => mqtt.publishDecision(d));
  return [...telemetry.components(rt), ...(mqtt ? [mqtt] : []), ...createFieldComponents(rt), ...createApiComponents(rt, { engine })];
}
