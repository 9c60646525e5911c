/** The field layer's subcommands; the registry in commands.ts lists them. */
import type { CliCommand } from './command.ts';
import { readCommand } from './read-command.ts';
import { scanCommand } from './scan-command.ts';

export const fieldCommands: readonly CliCommand[] = [readCommand, scanCommand];
