/** Every `loopgate` subcommand, in the order --help lists them. */
import type { CliCommand } from './command.ts';
import { checkConfigCommand } from './check-config-command.ts';
import { runCommand } from './run-command.ts';
import { versionCommand } from './version-command.ts';

export const commands: readonly CliCommand[] = [runCommand, checkConfigCommand, versionCommand];
