/** The sim layer's subcommands; the registry in commands.ts lists them. */
import { loadConfigOrExit } from './config-arg.ts';
import type { Config } from '../config/schema.ts';
import { ExitCode } from '../errors.ts';
import { createLogger, type Logger } from '../log.ts';
import { Readiness } from '../readiness.ts';
import { Service } from '../service.ts';
import { SignalStore } from '../signals/store.ts';
import type { Simulator } from '../sim/simulator.ts';
import { VERSION } from '../version.ts';
import { UsageError, stringOpt, type CliCommand, type OptionSpec, type ParsedValues } from './command.ts';
import { onStopSignal } from './stop-signal.ts';

const DEFAULT_CONFIG = 'config/demo.yaml';
const DEFAULT_CONTROL = '127.0.0.1:15080';

const simOptions: OptionSpec = {
  config: { type: 'string', short: 'c' },
  speed: { type: 'string' },
  control: { type: 'string' },
  weight: { type: 'string' },
  rtu: { type: 'string', multiple: true },
};
const simOptionHelp = {
  config: `gateway config the plant is built from (default ${DEFAULT_CONFIG})`,
  speed: 'simulated seconds per real second for the thermal physics (default 1)',
  control: `HOST:PORT of the HTTP control (GET /state, POST /weight /cooling /fault; default ${DEFAULT_CONTROL}, "off" for none)`,
  weight: 'weight (%) every hall starts at, at steady state (default 0)',
  rtu: 'BUS=PATH: serve an RTU bus as a wire-timed slave on this serial device (repeatable)',
};

interface SimArgs {
  file: string;
  speed: number;
  control: { host: string; port: number } | null;
  weight: number;
  rtuPaths: Record<string, string>;
}

function simArgs(values: ParsedValues): SimArgs {
  const file = stringOpt(values, 'config') ?? DEFAULT_CONFIG;
  const speed = Number(stringOpt(values, 'speed') ?? '1');
  if (!(speed > 0) || !Number.isFinite(speed)) throw new UsageError(`--speed: expected a positive number, found "${stringOpt(values, 'speed')}"`);
  const weight = Number(stringOpt(values, 'weight') ?? '0');
  if (!(weight >= 0 && weight <= 100)) throw new UsageError(`--weight: expected 0-100, found "${stringOpt(values, 'weight')}"`);
  const c = stringOpt(values, 'control') ?? DEFAULT_CONTROL;
  let control: SimArgs['control'] = null;
  if (c !== 'off') {
    const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$/.exec(c);
    if (!m || Number(m[2]) > 65535) throw new UsageError(`--control: expected HOST:PORT or "off", found "${c}"`);
    control = { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
  }
  const rtuPaths: Record<string, string> = {};
  const rtu = values['rtu'];
  for (const spec of Array.isArray(rtu) ? rtu : []) {
    const m = /^([^=]+)=(.+)$/.exec(String(spec));
    if (!m) throw new UsageError(`--rtu: expected BUS=PATH, found "${String(spec)}"`);
    rtuPaths[m[1]!] = m[2]!;
  }
  return { file, speed, control, weight, rtuPaths };
}


/** The simulator (its Modbus slaves, serialport, the plant's HTTP control) is loaded only by the commands that run it, never by `run`. */
async function simulator(config: Config, args: SimArgs, log: Logger): Promise<Simulator> {
  const { Simulator } = await import('../sim/simulator.ts');
  return new Simulator(config, { speed: args.speed, control: args.control, initialWeight: args.weight, rtuPaths: args.rtuPaths, log });
}

export const simulateCommand: CliCommand = {
  name: 'simulate',
  summary: 'run the simulated plant (Modbus/TCP and RTU slaves with thermal physics and fault injection) for a gateway config',
  usage: 'simulate [--config FILE] [--speed N] [--control HOST:PORT] [--weight PCT] [--rtu BUS=PATH ...]',
  options: simOptions,
  optionHelp: simOptionHelp,
  async run(values, _positionals, io) {
    const args = simArgs(values);
    const config = loadConfigOrExit(args.file, io);
    if (typeof config === 'number') return config;
    const log = createLogger({ level: config.log.level });
    const stop = onStopSignal(log);
    const sim = await simulator(config, args, log);
    try {
      await sim.start();
    } catch (err) {
      log.fatal({ err }, `cannot start the simulated plant: ${(err as Error).message}`);
      stop.dispose();
      return ExitCode.fatal;
    }
    log.info({ event: 'started', config: args.file, speed: args.speed }, 'simulated plant started');
    await stop.received;
    await sim.stop();
    stop.dispose();
    log.info({ event: 'stopped' }, 'simulated plant stopped');
    return ExitCode.ok;
  },
};

export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'the gateway and the simulated plant in one process (what `npm start` runs); Ctrl-C stops both',
  usage: 'demo [--config FILE] [--speed N] [--control HOST:PORT] [--weight PCT]',
  options: { ...simOptions, 'log-every': { type: 'string' } },
  optionHelp: { ...simOptionHelp, 'log-every': 'seconds between the log lines of what the gateway polled (default 5)' },
  async run(values, _positionals, io) {
    const args = simArgs(values);
    const every = Number(stringOpt(values, 'log-every') ?? '5');
    if (!(every > 0)) throw new UsageError(`--log-every: expected a positive number of seconds`);
    const config = loadConfigOrExit(args.file, io);
    if (typeof config === 'number') return config;
    const log = createLogger({ level: config.log.level });
    log.info({ event: 'config_loaded', config: args.file, site: config.site, gateway_id: config.gateway_id, version: VERSION, node: process.version }, 'config loaded');
    const stop = onStopSignal(log);
    const readiness = new Readiness();
    const store = new SignalStore(config);
    // The plant starts first and stops last: the gateway never polls a plant that is not there.
    const sim = await simulator(config, args, log);
    const service = new Service({ config, log }, { readiness, store, before: [sim] });
    try {
      await Promise.race([service.start(), stop.received]);
    } catch (err) {
      log.fatal({ err, code: (err as { code?: unknown }).code }, `cannot start: ${(err as Error).message}`);
      await service.stop();
      stop.dispose();
      return ExitCode.fatal;
    }
    log.info({ event: 'started', control: sim.controlUrl() }, `loopgate demo started: gateway + simulated plant${sim.controlUrl() ? `; turn it with ${sim.controlUrl()}/weight` : ''}`);
    const timer = setInterval(() => logPolled(log, store, sim), every * 1000);
    timer.unref();
    await stop.received;
    clearInterval(timer);
    await service.stop();
    stop.dispose();
    log.info({ event: 'stopped' }, 'loopgate demo stopped');
    return ExitCode.ok;
  },
};

/** What the gateway saw (the store) next to what the plant holds, one line per zone. */
function logPolled(log: Logger, store: SignalStore, sim: Simulator): void {
  const snap = store.snapshot();
  const halls = sim.plant.state().halls;
  const truth = new Map(halls.map((h) => [h.zone, h]));
  const plantText = (zone: string): string => {
    const h = truth.get(zone);
    return h ? `plant ${h.temperature.toFixed(2)} Cel ${(h.powerW / 1000).toFixed(1)} kW at ${h.weight}%` : 'not simulated';
  };
  if (![...snap.signals.values()].some((s) => s.seq > 0)) {
    log.info({ event: 'polled', signals: 0, served: sim.served(), plant: halls }, `no samples in the store yet (no Modbus polling engine in this build); ${halls.map((h) => `${h.zone}: ${plantText(h.zone)}`).join('; ')}`);
    return;
  }
  for (const z of snap.zones.values()) {
    const h = truth.get(z.zoneId);
    const temp = z.temperature === null ? '-' : `${z.temperature.toFixed(2)} Cel`;
    const power = z.power === null ? '-' : `${(z.power / 1000).toFixed(1)} kW`;
    log.info(
      { event: 'polled', zone: z.zoneId, temperature: z.temperature, power: z.power, quality: z.quality, reason: z.reason, served: sim.served(), plant: h && { weight: h.weight, temperature: h.temperature, power: h.powerW } },
      `${z.zoneId}: ${temp}, ${power}, ${z.quality}${z.reason ? ` (${z.reason})` : ''}; ${plantText(z.zoneId)}`,
    );
  }
}

export const simCommands: readonly CliCommand[] = [simulateCommand, demoCommand];
