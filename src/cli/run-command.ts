import { loadConfigOrExit } from './config-arg.ts';
import { ExitCode, LoopgateError } from '../errors.ts';
import { trimHeap } from '../heap-trim.ts';
import { createLogger } from '../log.ts';
import { Service } from '../service.ts';
import { VERSION } from '../version.ts';
import { UsageError, stringOpt, type CliCommand } from './command.ts';
import { onStopSignal } from './stop-signal.ts';
import { startSystemdSession } from './systemd-session.ts';

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'run the gateway daemon with a config file (stops cleanly on SIGTERM/SIGINT)',
  usage: 'run --config FILE',
  options: { config: { type: 'string', short: 'c' } },
  optionHelp: { config: 'the YAML config (see config/loopgate.example.yaml)' },
  async run(values, _positionals, io) {
    const file = stringOpt(values, 'config');
    if (file === undefined) throw new UsageError('missing --config FILE');
    const config = loadConfigOrExit(file, io);
    if (typeof config === 'number') return config;
    const log = createLogger({ level: config.log.level });
    log.info({ event: 'config_loaded', config: file, site: config.site, gateway_id: config.gateway_id, version: VERSION, node: process.version }, 'config loaded');
    const stop = onStopSignal(log);
    const service = new Service({ config, log });
    const systemd = startSystemdSession(log, service); // READY=1, WATCHDOG=1, STOPPING=1 under systemd
    try {
      await Promise.race([service.start(), stop.received]);
    } catch (err) {
      const code = err instanceof LoopgateError && err.code.startsWith('LG_CONFIG') ? ExitCode.config : ExitCode.fatal;
      log.fatal({ err, code: (err as { code?: unknown }).code }, `cannot start: ${(err as Error).message}`);
      systemd.failed((err as Error).message);
      await service.stop();
      await systemd.close();
      stop.dispose();
      return code;
    }
    log.info({ event: 'started' }, 'loopgate started');
    // Start-up's allocation burst (config parse, protos, every component built) is over: hand its
    // empty heap pages back (src/heap-trim.ts). Not tied to readiness: a PLC that is down at start
    // must not keep them resident.
    const trim = trimHeap();
    const mb = (bytes: number): number => Math.round(bytes / 104857.6) / 10;
    if (trim) log.info({ event: 'heap_trimmed', rss_before_mb: mb(trim.rssBeforeBytes), rss_after_mb: mb(trim.rssAfterBytes), ms: Math.round(trim.ms) }, 'start-up heap returned to the system');
    const logReady = (): void => log.info({ event: 'ready' }, 'ready: first full poll cycle done');
    if (service.readiness.isReady()) logReady();
    else service.readiness.once('ready', logReady);
    await stop.received;
    systemd.stopping();
    await service.stop();
    await systemd.close();
    stop.dispose();
    log.info({ event: 'stopped' }, 'loopgate stopped');
    return ExitCode.ok;
  },
};
