import { ExitCode } from '../errors.ts';
import { UsageError, type CliCommand } from './command.ts';
import { loadConfigOrExit } from './config-arg.ts';
import { buildPlanReport, formatPlanReport } from './plan-report.ts';

export const checkConfigCommand: CliCommand = {
  name: 'check-config',
  summary: 'validate a config file and print the resolved poll plan (exit 78 when invalid)',
  usage: 'check-config FILE [--json]',
  options: { json: { type: 'boolean' } },
  optionHelp: { json: 'print the plan as JSON' },
  positionals: 1,
  run(values, positionals, io) {
    const file = positionals[0];
    if (file === undefined) throw new UsageError('missing FILE');
    const config = loadConfigOrExit(file, io);
    if (typeof config === 'number') return Promise.resolve(config);
    const report = buildPlanReport(config);
    io.out(values['json'] ? JSON.stringify(report, null, 2) : `${file}: OK\n\n${formatPlanReport(report)}`);
    return Promise.resolve(ExitCode.ok);
  },
};
