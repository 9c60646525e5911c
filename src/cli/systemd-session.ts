/**
 * The run command's conversation with systemd (Type=notify): READY=1 once Readiness is met (the
 * first full poll cycle), WATCHDOG=1 from Liveness, STATUS= lines for `systemctl status`,
 * STOPPING=1 when a stop begins. A no-op when NOTIFY_SOCKET is unset.
 */
import type { Liveness } from '../liveness.ts';
import type { Logger } from '../log.ts';
import type { Readiness } from '../readiness.ts';
import { createNotifier, type Notifier, type NotifierOptions } from '../systemd-notify.ts';
import { SystemdWatchdog, watchdogIntervalMs } from '../systemd-watchdog.ts';

export interface SystemdSession {
  readonly notifier: Notifier;
  /** The service could not start: say why in `systemctl status`. */
  failed(reason: string): void;
  /** A stop began (STOPPING=1). */
  stopping(): void;
  /** Stops the watchdog and waits for queued messages. Never rejects. */
  close(): Promise<void>;
}

const oneLine = (s: string): string => s.replace(/\s+/g, ' ').slice(0, 200);

export function startSystemdSession(log: Logger, service: { readiness: Readiness; liveness: Liveness }, opts: NotifierOptions = {}): SystemdSession {
  const notifier = createNotifier(log, opts);
  let last: Promise<unknown> = Promise.resolve();
  const send = (assignments: string[]): void => {
    last = notifier.notify(assignments);
  };
  if (!notifier.enabled) return { notifier, failed: () => {}, stopping: () => {}, close: async () => {} };

  const env = opts.env ?? process.env;
  const intervalMs = watchdogIntervalMs(env);
  const watchdog = intervalMs === undefined ? undefined : new SystemdWatchdog({ notifier, liveness: service.liveness, log, intervalMs });
  void watchdog?.start();

  const { readiness } = service;
  const onReady = (): void => send(['READY=1', 'STATUS=ready: serving']);
  if (readiness.isReady()) onReady();
  else {
    send([`STATUS=starting: waiting for first poll cycle`]);
    readiness.once('ready', onReady);
  }
  return {
    notifier,
    failed: (reason) => send([`STATUS=cannot start: ${oneLine(reason)}`]),
    stopping: () => {
      readiness.off('ready', onReady);
      send(['STOPPING=1', 'STATUS=stopping: draining']);
    },
    close: async () => {
      await watchdog?.stop();
      await last;
    },
  };
}
