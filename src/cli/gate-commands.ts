/** The gate layer's subcommands; the registry in commands.ts lists them. */
import type { CliCommand } from './command.ts';

export const gateCommands: readonly CliCommand[] = [];
