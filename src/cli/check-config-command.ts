import { loadConfigFile } from '../config/load.ts';
import { ConfigError } from '../config/problems.ts';
import { ExitCode } from '../errors.ts';
import { UsageError, type CliCommand } from './command.ts';
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
    try {
      const report = buildPlanReport(loadConfigFile(file));
      io.out(values['json'] ? JSON.stringify(report, null, 2) : `${file}: OK\n\n${formatPlanReport(report)}`);
      return Promise.resolve(ExitCode.ok);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      io.err(err.message);
      return Promise.resolve(ExitCode.config);
    }
  },
};
