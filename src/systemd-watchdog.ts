/**
 * Feeds systemd's watchdog (WATCHDOG=1) from the daemon's own health, never from a blind timer:
 * every half WATCHDOG_USEC it asks Liveness whether every registered loop is still turning and
 * only then pings. A stalled poll loop stops the pings, systemd's WatchdogSec= runs out, and
 * Restart=on-failure restarts the service. A ping still in flight is never stacked with another.
 */
import type { Component } from './lifecycle.ts';
import type { Liveness } from './liveness.ts';
import type { Logger } from './log.ts';
import type { Notifier } from './systemd-notify.ts';

/** Ping period from WATCHDOG_USEC (half of it, as sd_watchdog_enabled(3) advises); undefined when off. */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv, pid: number = process.pid): number | undefined {
  const usec = Number(env['WATCHDOG_USEC']);
  if (!Number.isFinite(usec) || usec <= 0) return undefined;
  const forPid = env['WATCHDOG_PID'];
  if (forPid !== undefined && forPid !== '' && Number(forPid) !== pid) return undefined;
  return Math.max(1, Math.floor(usec / 2000));
}

export interface WatchdogDeps {
  notifier: Notifier;
  liveness: Liveness;
  log: Logger;
  intervalMs: number;
}

export class SystemdWatchdog implements Component {
  readonly name = 'systemd-watchdog';
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;
  private stalled = false;
  /** Pings sent and skipped (stalled), for tests and the stop log line. */
  readonly counts = { sent: 0, withheld: 0 };

  private readonly deps: WatchdogDeps;

  constructor(deps: WatchdogDeps) {
    this.deps = deps;
    this.log = deps.log.child({ component: 'systemd-watchdog' });
  }

  async start(): Promise<void> {
    if (this.timer) return;
    this.log.info({ event: 'watchdog_enabled', interval_ms: this.deps.intervalMs }, 'systemd watchdog enabled: WATCHDOG=1 only while every poll loop turns');
    this.timer = setInterval(() => void this.tick(), this.deps.intervalMs);
    this.timer.unref();
    await this.tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One check-and-ping; never rejects. */
  async tick(): Promise<void> {
    if (this.inFlight) return;
    const report = this.deps.liveness.check();
    if (!report.alive) {
      this.counts.withheld++;
      if (!this.stalled) {
        this.stalled = true;
        this.log.error({ event: 'loop_stalled', stalled: report.stalled }, `withholding WATCHDOG=1: ${report.stalled.map((s) => s.name).join(', ')} stalled`);
        void this.deps.notifier.notify([`STATUS=stalled: ${report.stalled.map((s) => `${s.name} silent ${Math.round(s.silentMs)} ms`).join(', ')}`]);
      }
      return;
    }
    if (this.stalled) {
      this.stalled = false;
      this.log.warn({ event: 'loop_recovered' }, 'every watched loop is turning again; WATCHDOG=1 resumes');
    }
    this.inFlight = true;
    try {
      if (await this.deps.notifier.notify(['WATCHDOG=1'])) this.counts.sent++;
    } finally {
      this.inFlight = false;
    }
  }
}
