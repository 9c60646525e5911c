/** What every `loopgate` subcommand looks like; the registry lists them. */
import type { ParseArgsConfig } from 'node:util';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;
export type ParsedValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

export interface CliCommand {
  name: string;
  summary: string;
  /** Usage lines shown by --help, after `loopgate `. */
  usage: string;
  options: OptionSpec;
  /** One line per option for --help. */
  optionHelp?: Record<string, string>;
  /** Number of positionals accepted (default 0). */
  positionals?: number;
  /** Resolves to the exit code. */
  run(values: ParsedValues, positionals: string[], io: CliIo): Promise<number>;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export function stringOpt(values: ParsedValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}
