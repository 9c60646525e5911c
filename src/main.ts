/** Entry point: parse argv, run the command, exit with its code. */
import { runCli } from './cli/parse.ts';
import { commands } from './cli/commands.ts';
import { ExitCode } from './errors.ts';

function fatalLine(msg: string, err: unknown): void {
  const e = err instanceof Error ? { type: err.name, message: err.message, stack: err.stack, code: (err as { code?: unknown }).code } : { message: String(err) };
  process.stderr.write(`${JSON.stringify({ level: 'fatal', time: new Date().toISOString(), service: 'loopgate', msg, err: e })}\n`);
}

process.on('unhandledRejection', (reason) => {
  fatalLine('unhandled rejection', reason);
  process.exit(ExitCode.fatal);
});

try {
  const code = await runCli(process.argv.slice(2), commands, {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
  });
  process.exitCode = code;
} catch (err) {
  fatalLine(`fatal: ${(err as Error).message ?? String(err)}`, err);
  process.exitCode = ExitCode.fatal;
}
