/**
 * Composes the components and owns the lifecycle: start in order (sinks -> store -> sources ->
 * api), stop in reverse under one drain bound. Nothing else here.
 */
import { boundedDelay, type Component } from './lifecycle.ts';
import type { Config } from './config/schema.ts';
import type { Logger } from './log.ts';

export const DRAIN_BOUND_MS = 10_000;

export interface ServiceDeps {
  config: Config;
  log: Logger;
}

export class Service {
  private readonly log: Logger;
  private readonly components: Component[];
  private readonly started: Component[] = [];
  private stopping: Promise<void> | undefined;

  constructor(deps: ServiceDeps, components: Component[] = buildComponents(deps)) {
    this.log = deps.log.child({ component: 'service' });
    this.components = components;
  }

  async start(): Promise<void> {
    for (const c of this.components) {
      if (this.stopping) return;
      await c.start();
      this.started.push(c);
      this.log.debug({ part: c.name }, 'component started');
    }
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

/** Builds the daemon's components from config, in start order. */
export function buildComponents(_deps: ServiceDeps): Component[] {
  return [];
}
