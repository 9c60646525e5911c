/**
 * `loopgate scan`: which unit ids answer on a configured bus. One read of one holding register
 * per unit (reads only), each bounded by the probe timeout, so the whole scan is bounded by
 * units x timeout. A reply or an exception both mean "a device is there".
 */
import { loadConfigFile } from '../config/load.ts';
import { ConfigError } from '../config/problems.ts';
import type { Config } from '../config/schema.ts';
import { ExitCode } from '../errors.ts';
import { FieldBus } from '../field/field-bus.ts';
import { ModbusError, ModbusExceptionError } from '../field/modbus-errors.ts';
import { createLogger } from '../log.ts';
import { UsageError, stringOpt, type CliCommand } from './command.ts';

export function parseUnits(spec: string): number[] {
  const units = new Set<number>();
  for (const part of spec.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(part);
    if (!m) throw new UsageError(`--units: "${part}" is not a unit id or range like 1-247`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from < 1 || to > 247 || from > to) throw new UsageError(`--units: ${part} outside 1-247`);
    for (let u = from; u <= to; u++) units.add(u);
  }
  return [...units].sort((a, b) => a - b);
}

export const scanCommand: CliCommand = {
  name: 'scan',
  summary: 'probe a configured bus for unit ids that answer (reads only, bounded in time)',
  usage: 'scan --config FILE --bus ID [--units 1-247] [--timeout-ms N] [--json]',
  options: { config: { type: 'string', short: 'c' }, bus: { type: 'string' }, units: { type: 'string' }, 'timeout-ms': { type: 'string' }, json: { type: 'boolean' } },
  optionHelp: { config: 'the YAML config', bus: 'the bus id to scan', units: 'unit ids, e.g. 1-247 or 1,3,10-20 (default 1-247)', 'timeout-ms': 'per-unit timeout (default: the bus timeout, at most 200)', json: 'JSON output' },
  async run(values, _positionals, io) {
    const file = stringOpt(values, 'config');
    const busId = stringOpt(values, 'bus');
    if (file === undefined) throw new UsageError('missing --config FILE');
    if (busId === undefined) throw new UsageError('missing --bus ID');
    let config: Config;
    try {
      config = loadConfigFile(file);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      io.err(err.message);
      return ExitCode.config;
    }
    const busCfg = config.buses.find((b) => b.id === busId);
    if (!busCfg) throw new UsageError(`no bus "${busId}" in ${file} (buses: ${config.buses.map((b) => b.id).join(', ')})`);
    const units = parseUnits(stringOpt(values, 'units') ?? '1-247');
    const t = stringOpt(values, 'timeout-ms');
    const timeout = t === undefined ? Math.min(busCfg.timeout_ms, 200) : Number(t);
    if (!Number.isInteger(timeout) || timeout < 1 || timeout > 60_000) throw new UsageError(`--timeout-ms: expected 1..60000, found ${t}`);
    const bus = new FieldBus({ ...busCfg, timeout_ms: timeout, retries: 0 }, createLogger({ level: 'warn', destination: process.stderr }));
    const found: Array<{ unit: number; reply: string }> = [];
    let fatal: string | undefined;
    try {
      for (const unit of units) {
        try {
          const regs = await bus.transact('scan', { unit, fn: 3, address: 0, count: 1 });
          found.push({ unit, reply: `holding 0 = ${regs[0]}` });
        } catch (err) {
          if (err instanceof ModbusExceptionError) found.push({ unit, reply: `exception ${err.exceptionCode}` });
          else if (err instanceof ModbusError && err.kind === 'disconnected') {
            fatal = err.message;
            break;
          }
        }
      }
    } finally {
      await bus.close();
    }
    if (fatal) {
      io.err(`scan of bus ${busId} stopped: ${fatal}`);
      return ExitCode.fatal;
    }
    if (values['json']) io.out(JSON.stringify({ bus: busId, scanned: units.length, timeout_ms: timeout, answered: found }, null, 2));
    else io.out([`bus ${busId}: ${found.length} of ${units.length} unit ids answered (timeout ${timeout} ms each)`, ...found.map((f) => `  unit ${f.unit}: ${f.reply}`)].join('\n'));
    return ExitCode.ok;
  },
};
