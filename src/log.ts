/**
 * pino: one JSON line per event on stdout (journald keeps it as is), pretty on a terminal.
 * Components take a child logger: `log.child({ component: 'bus', bus: 'rs485-a' })`.
 */
import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { TurnBatchedDestination } from './log-destination.ts';

export type { Logger };

export interface LogOptions {
  level?: LevelWithSilent | undefined;
  /** Pretty output; default: when stdout is a TTY and pino-pretty is installed (a dev dependency). */
  pretty?: boolean | undefined;
  /** Where lines go instead of stdout (any stream, or a pino.destination()). */
  destination?: DestinationStream | undefined;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const level = (process.env['LOOPGATE_LOG_LEVEL'] as LevelWithSilent | undefined) ?? opts.level ?? 'info';
  const base = { service: 'loopgate' };
  const pretty = opts.pretty ?? (process.stdout.isTTY === true && hasPretty());
  if (pretty && !opts.destination) {
    return pino({ level, base, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } });
  }
  const dest = opts.destination ?? new TurnBatchedDestination();
  return pino({ level, base, timestamp: isoTime }, dest);
}

let lastMs = NaN;
let lastTime = '';
/**
 * pino.stdTimeFunctions.isoTime, built once per millisecond: under load many lines share one
 * (the gate's audit line is one per decision), and toISOString() was a visible share of each.
 */
export function isoTime(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

function hasPretty(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}
