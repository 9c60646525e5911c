/** Loads the config a command was given; a config error is printed and becomes exit 78. */
import { loadConfigFile } from '../config/load.ts';
import { ConfigError } from '../config/problems.ts';
import type { Config } from '../config/schema.ts';
import { ExitCode } from '../errors.ts';
import type { CliIo } from './command.ts';

/** The validated config, or the exit code to return (78) after printing every problem. */
export function loadConfigOrExit(file: string, io: CliIo): Config | typeof ExitCode.config {
  try {
    return loadConfigFile(file);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(err.message);
    return ExitCode.config;
  }
}
