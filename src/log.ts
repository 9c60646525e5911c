/**
 * pino: one JSON line per event on stdout (journald keeps it as is), pretty on a terminal.
 * Components take a child logger: `log.child({ component: 'bus', bus: 'rs485-a' })`.
 */
import { createRequire } from 'node:module';
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export interface LogOptions {
  level?: LevelWithSilent | undefined;
  /** Pretty output; default: when stdout is a TTY and pino-pretty is installed (a dev dependency). */
  pretty?: boolean | undefined;
  destination?: NodeJS.WritableStream | undefined;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const level = (process.env['LOOPGATE_LOG_LEVEL'] as LevelWithSilent | undefined) ?? opts.level ?? 'info';
  const base = { service: 'loopgate' };
  const pretty = opts.pretty ?? (process.stdout.isTTY === true && hasPretty());
  if (pretty && !opts.destination) {
    return pino({ level, base, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } });
  }
  const dest = opts.destination ?? pino.destination({ dest: 1, sync: true });
  return pino({ level, base, timestamp: pino.stdTimeFunctions.isoTime }, dest);
}

function hasPretty(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}
