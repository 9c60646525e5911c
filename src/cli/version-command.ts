import { VERSION } from '../version.ts';
import type { CliCommand } from './command.ts';

export const versionCommand: CliCommand = {
  name: 'version',
  summary: 'print the loopgate version and the Node.js runtime',
  usage: 'version',
  options: {},
  run(_values, _positionals, io) {
    io.out(`loopgate ${VERSION} (node ${process.version})`);
    return Promise.resolve(0);
  },
};
