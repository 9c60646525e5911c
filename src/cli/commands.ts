/** Every `loopgate` subcommand, in the order --help lists them. */
import type { CliCommand } from './command.ts';
import { checkConfigCommand } from './check-config-command.ts';
import { fieldCommands } from './field-commands.ts';
import { gateCommands } from './gate-commands.ts';
import { runCommand } from './run-command.ts';
import { simCommands } from './sim-commands.ts';
import { versionCommand } from './version-command.ts';

export const commands: readonly CliCommand[] = [runCommand, checkConfigCommand, ...fieldCommands, ...simCommands, ...gateCommands, versionCommand];
