/**
 * SIGTERM/SIGINT ask for a clean stop; a second signal while stopping forces exit 1 at once
 * (an operator who presses Ctrl-C twice means it).
 */
import type { Logger } from '../log.ts';

export interface StopSignal {
  /** Resolves with the signal's name the first time one arrives. */
  readonly received: Promise<NodeJS.Signals>;
  dispose(): void;
}

export function onStopSignal(log: Logger, signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): StopSignal {
  let first: NodeJS.Signals | undefined;
  let resolveFn: (s: NodeJS.Signals) => void = () => {};
  const received = new Promise<NodeJS.Signals>((resolve) => (resolveFn = resolve));
  // Signal handlers do not keep the event loop alive; a daemon waits for its signal regardless.
  const keepAlive = setInterval(() => {}, 1 << 30);
  const handler = (sig: NodeJS.Signals): void => {
    if (first) {
      log.fatal({ signal: sig, first }, 'second signal while stopping; exiting now');
      process.exit(1);
    }
    first = sig;
    clearInterval(keepAlive);
    log.info({ signal: sig }, 'stopping');
    resolveFn(sig);
  };
  for (const s of signals) process.on(s, handler);
  return {
    received,
    dispose: () => {
      clearInterval(keepAlive);
      signals.forEach((s) => process.off(s, handler));
    },
  };
}
