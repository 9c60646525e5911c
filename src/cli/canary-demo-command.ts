/**
 * `loopgate canary-demo` (npm run demo): the simulated plant, the gateway and the reference rollout
 * controller in one command, printing the controller's timeline as it goes and, at the end, the
 * temperature against its limit and the weight over time.
 */
import { loadConfigOrExit } from './config-arg.ts';
import { ExitCode } from '../errors.ts';
import { createLogger } from '../log.ts';
import { UsageError, stringOpt, type CliCommand, type ParsedValues } from './command.ts';
import { charts, summary, timelineLine } from './canary-report.ts';

function num(values: ParsedValues, name: string, dflt: number, ok: (n: number) => boolean, what: string): number {
  const text = stringOpt(values, name);
  if (text === undefined) return dflt;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || !ok(n)) throw new UsageError(`--${name}: expected ${what}, found "${text}"`);
  return n;
}

export const canaryDemoCommand: CliCommand = {
  name: 'canary-demo',
  summary: 'end-to-end canary: simulated plant + gateway + a reference rollout controller stepping 5..100 % through the gate (npm run demo)',
  usage: 'canary-demo [--config FILE] [--zone ZONE] [--cooling PCT] [--canaries N] [--speed N] [--dwell S] [--settle S] [--noise]',
  options: {
    config: { type: 'string', short: 'c' },
    zone: { type: 'string' },
    cooling: { type: 'string' },
    canaries: { type: 'string' },
    speed: { type: 'string' },
    dwell: { type: 'string' },
    settle: { type: 'string' },
    noise: { type: 'boolean' },
  },
  optionHelp: {
    config: 'gateway config the plant is built from (default config/demo.yaml)',
    zone: 'the hall the canary lands in (default the first zone)',
    cooling: "hall cooling capacity in % (default 100; e.g. 150 and the canary completes); the gate's thermal model is scaled with it",
    canaries: 'concurrent canaries sharing the hall (default 1)',
    speed: 'simulated seconds per real second (default 60)',
    dwell: 'simulated seconds at each weight before the next step (default 60)',
    settle: 'simulated seconds to keep watching after the controller stops (default 900)',
    noise: 'measurement noise on the simulated sensors and meters',
  },
  async run(values, _positionals, io) {
    const file = stringOpt(values, 'config') ?? 'config/demo.yaml';
    const speed = num(values, 'speed', 60, (n) => n > 0 && n <= 200, 'a number 0-200');
    const cooling = num(values, 'cooling', 100, (n) => n >= 5 && n <= 200, 'a percentage 5-200');
    const count = num(values, 'canaries', 1, (n) => Number.isInteger(n) && n >= 1 && n <= 8, 'an integer 1-8');
    const dwellS = num(values, 'dwell', 60, (n) => n >= 0, 'seconds >= 0');
    const settleS = num(values, 'settle', 900, (n) => n >= 0, 'seconds >= 0');
    const config = loadConfigOrExit(file, io);
    if (typeof config === 'number') return config;
    const log = createLogger({ level: process.env['LOOPGATE_LOG_LEVEL'] ? config.log.level : 'warn' });
    const zone = stringOpt(values, 'zone') ?? config.zones[0]?.id;
    if (!zone || !config.zones.some((z) => z.id === zone)) throw new UsageError(`--zone: unknown zone "${zone}" (zones: ${config.zones.map((z) => z.id).join(', ')})`);
    const names = ['checkout', 'search', 'cart', 'catalog', 'payments', 'profile', 'reviews', 'shipping'];
    const canaries = names.slice(0, count).map((name) => ({ namespace: 'shop', name }));
    const ac = new AbortController();
    const onSignal = (): void => ac.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    io.out(`loopgate canary demo: ${canaries.map((c) => `${c.namespace}/${c.name}`).join(', ')} into ${zone} (cooling ${cooling} %), steps 5 10 20 40 60 80 100 %, simulated time x${speed}`);
    let startedAt: number | undefined;
    try {
      // The simulated plant and controller are loaded only by this command, never by `run`.
      const { runCanaryScenario } = await import('../sim/canary-scenario.ts');
      const r = await runCanaryScenario({
        config,
        log,
        zone,
        speed,
        cooling,
        canaries,
        dwellS,
        settleS,
        noise: values['noise'] === true,
        signal: ac.signal,
        onEvent: (e) => {
          startedAt ??= e.t;
          io.out(timelineLine(e, startedAt));
        },
      });
      io.out(`\n${charts(r)}\n\n${summary(r)}`);
      return r.results.every((c) => c.outcome !== 'error') ? ExitCode.ok : ExitCode.fatal;
    } catch (err) {
      io.err(`loopgate canary-demo: ${(err as Error).message}`);
      return ExitCode.fatal;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
