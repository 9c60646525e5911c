/** Dispatches argv to a subcommand with node:util parseArgs; usage errors exit 64. */
import { parseArgs } from 'node:util';
import { ExitCode } from '../errors.ts';
import { UsageError, type CliCommand, type CliIo } from './command.ts';

export async function runCli(argv: readonly string[], commands: readonly CliCommand[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(topHelp(commands));
    return name === undefined ? ExitCode.usage : ExitCode.ok;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    io.err(`loopgate: unknown command "${name}"\n\n${topHelp(commands)}`);
    return ExitCode.usage;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: [...rest], options: { ...cmd.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    if (parsed.values['help']) {
      io.out(commandHelp(cmd));
      return ExitCode.ok;
    }
    if (parsed.positionals.length > (cmd.positionals ?? 0)) throw new UsageError(`unexpected argument "${parsed.positionals[cmd.positionals ?? 0]}"`);
    return await cmd.run(parsed.values, parsed.positionals, io);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`loopgate ${cmd.name}: ${(err as Error).message}\n\n${commandHelp(cmd)}`);
      return ExitCode.usage;
    }
    throw err;
  }
}

function topHelp(commands: readonly CliCommand[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return ['usage: loopgate <command> [options]', '', 'commands:', ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`), '', 'Run `loopgate <command> --help` for its options.'].join('\n');
}

function commandHelp(cmd: CliCommand): string {
  const opts = Object.entries(cmd.options).map(([k, o]) => {
    const flag = `--${k}${o.type === 'string' ? ' VALUE' : ''}${o.short ? ` (-${o.short})` : ''}`;
    return `  ${flag.padEnd(26)} ${cmd.optionHelp?.[k] ?? ''}`.trimEnd();
  });
  return [`usage: loopgate ${cmd.usage}`, '', cmd.summary, ...(opts.length ? ['', 'options:', ...opts] : []), `  ${'--help (-h)'.padEnd(26)} show this help`].join('\n');
}
