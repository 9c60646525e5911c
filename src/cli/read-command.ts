/**
 * `loopgate read`: the commissioning check. Polls every configured device once (buses in
 * parallel, each bus through its own queue) and prints every signal: address, decoded value,
 * and the engineering value, unit and quality the signal pipeline gives. Exit 0 when every read
 * of every device answered, 1 otherwise, 78 for a bad config.
 */
import { loadConfigOrExit } from './config-arg.ts';
import type { Config, SignalConfig } from '../config/schema.ts';
import { ExitCode } from '../errors.ts';
import { DevicePoller, type PollOutcome } from '../field/device-poller.ts';
import { FieldBus } from '../field/field-bus.ts';
import type { RawValue } from '../field/readings.ts';
import { createLogger } from '../log.ts';
import { toEngineering } from '../signals/pipeline.ts';
import { UsageError, stringOpt, type CliCommand } from './command.ts';

interface SignalLine {
  id: string;
  table: string;
  address: number;
  type: string;
  raw: RawValue | null;
  value: number | null;
  unit: string;
  quality: string;
  reason: string;
  loop_ma?: number;
}

interface DeviceReport {
  device: string;
  bus: string;
  unit: number;
  answered: boolean;
  ok: boolean;
  errors: string[];
  signals: SignalLine[];
}

export async function readDevices(config: Config, deviceId?: string): Promise<DeviceReport[]> {
  const devices = config.devices.filter((d) => deviceId === undefined || d.id === deviceId);
  const log = createLogger({ level: 'error', destination: process.stderr });
  const nullSink = { values: () => undefined, failure: () => undefined };
  const buses = new Map(config.buses.filter((b) => devices.some((d) => d.bus === b.id)).map((b) => [b.id, new FieldBus({ ...b }, log)]));
  try {
    const outcomes = await Promise.all(
      devices.map(async (d) => {
        const poller = new DevicePoller(d, buses.get(d.bus)!, nullSink, log, Date.now);
        return [d, await poller.pollOnce()] as const;
      }),
    );
    return outcomes.map(([d, o]) => report(d, o));
  } finally {
    await Promise.all([...buses.values()].map((b) => b.close()));
  }
}

function report(d: Config['devices'][number], o: PollOutcome): DeviceReport {
  const lines = new Map<string, SignalLine>();
  const errors: string[] = [];
  const byId = new Map(d.signals.map((s) => [s.id, s]));
  for (const r of o.reads) {
    if (r.failure) errors.push(`${r.read.table} ${r.read.start}+${r.read.count}: ${r.failure.kind}: ${r.failure.message}`);
    for (const id of r.read.signals) {
      const s = byId.get(id)!;
      const got = r.values?.find(([sid]) => sid === id)?.[1];
      lines.set(id, line(s, got ?? null, r.failure ? `${r.failure.kind}: ${r.failure.message}` : ''));
    }
  }
  return { device: d.id, bus: d.bus, unit: d.unit, answered: o.answered, ok: errors.length === 0, errors, signals: d.signals.map((s) => lines.get(s.id)!) };
}

function line(s: SignalConfig, raw: RawValue | null, error: string): SignalLine {
  const base = { id: s.id, table: s.table, address: s.address, type: s.bit !== undefined ? `bit ${s.bit}` : s.type, unit: s.unit };
  if (raw === null) return { ...base, raw: null, value: null, quality: 'bad', reason: error };
  const eng = toEngineering(s, raw);
  const out: SignalLine = { ...base, raw, value: eng.value, quality: eng.quality, reason: eng.reason };
  if (eng.loopMa !== undefined) out.loop_ma = eng.loopMa;
  return out;
}

export function formatReports(reports: DeviceReport[]): string {
  const out: string[] = [];
  for (const r of reports) {
    out.push(`device ${r.device} (bus ${r.bus}, unit ${r.unit}): ${r.ok ? 'ok' : r.answered ? 'answered with errors' : 'NO ANSWER'}`);
    for (const e of r.errors) out.push(`  error: ${e}`);
    const w = Math.max(...r.signals.map((s) => s.id.length));
    for (const s of r.signals) {
      const where = `${s.table} ${s.address}`.padEnd(14);
      const value = s.value === null ? '-' : `${s.value} ${s.unit}`;
      const loop = s.loop_ma !== undefined ? ` (${s.loop_ma} mA)` : '';
      out.push(`  ${s.id.padEnd(w)}  ${where} ${s.type.padEnd(8)} raw ${String(s.raw ?? '-').padEnd(22)} ${value}${loop}  ${s.quality}${s.reason ? `: ${s.reason}` : ''}`);
    }
  }
  return out.join('\n');
}

export const readCommand: CliCommand = {
  name: 'read',
  summary: 'poll every device once and print every signal (exit 1 when a device did not answer)',
  usage: 'read --config FILE [--device ID] [--json]',
  options: { config: { type: 'string', short: 'c' }, device: { type: 'string' }, json: { type: 'boolean' } },
  optionHelp: { config: 'the YAML config', device: 'only this device', json: 'one JSON document' },
  async run(values, _positionals, io) {
    const file = stringOpt(values, 'config');
    if (file === undefined) throw new UsageError('missing --config FILE');
    const config = loadConfigOrExit(file, io);
    if (typeof config === 'number') return config;
    const deviceId = stringOpt(values, 'device');
    if (deviceId !== undefined && !config.devices.some((d) => d.id === deviceId)) throw new UsageError(`no device "${deviceId}" in ${file} (devices: ${config.devices.map((d) => d.id).join(', ')})`);
    const reports = await readDevices(config, deviceId);
    io.out(values['json'] ? JSON.stringify(reports, null, 2) : formatReports(reports));
    return reports.every((r) => r.ok) ? ExitCode.ok : ExitCode.fatal;
  },
};
