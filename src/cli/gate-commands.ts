/**
 * The gate layer's subcommand: `loopgate gate evaluate|watch|zones`, a gRPC client of a running
 * gateway (the runbook's gatekeeper step as a tool). evaluate exits 0 ALLOW, 1 HOLD, 2 DENY,
 * 3 unreachable or any other error.
 */
import { GateCallError, GateClient } from '../api/gate-client.ts';
import { LoopgateError } from '../errors.ts';
import { UsageError, stringOpt, type CliCommand, type CliIo, type ParsedValues } from './command.ts';
import { canaryDemoCommand } from './canary-demo-command.ts';
import { formatDecision, formatZone } from './gate-format.ts';

export const GateExit = { allow: 0, hold: 1, deny: 2, error: 3 } as const;

const options = {
  target: { type: 'string', short: 't' },
  zone: { type: 'string', short: 'z', multiple: true },
  from: { type: 'string' },
  to: { type: 'string' },
  rollout: { type: 'string' },
  revision: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'tls-ca': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  json: { type: 'boolean' },
  'deadline-ms': { type: 'string' },
} as const;

function client(values: ParsedValues): GateClient {
  const target = stringOpt(values, 'target') ?? '127.0.0.1:50051';
  if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}$/.test(target)) throw new UsageError(`--target: expected HOST:PORT, found "${target}"`);
  const deadline = Number(stringOpt(values, 'deadline-ms') ?? '5000');
  if (!(deadline > 0)) throw new UsageError('--deadline-ms: expected a positive number');
  return new GateClient({ target, deadlineMs: deadline, tls: { ca: stringOpt(values, 'tls-ca'), cert: stringOpt(values, 'tls-cert'), key: stringOpt(values, 'tls-key') } });
}

function weightOpt(values: ParsedValues, name: string): number {
  const text = stringOpt(values, name);
  if (text === undefined) throw new UsageError(`--${name} is required (0-100)`);
  const w = Number(text);
  if (text.trim() === '' || !Number.isFinite(w) || w < 0 || w > 100) throw new UsageError(`--${name}: expected a weight 0-100, found "${text}"`);
  return w;
}

function zonesOpt(values: ParsedValues): string[] {
  const z = values['zone'];
  return (Array.isArray(z) ? z : typeof z === 'string' ? [z] : []).flatMap((s) => String(s).split(',')).filter((s) => s !== '');
}

function rolloutOpt(values: ParsedValues): { namespace: string; name: string } {
  const r = stringOpt(values, 'rollout') ?? 'default/loopgate-cli';
  const m = /^([^/\s]+)\/([^/\s]+)$/.exec(r);
  if (!m) throw new UsageError(`--rollout: expected NAMESPACE/NAME, found "${r}"`);
  return { namespace: m[1]!, name: m[2]! };
}

async function evaluate(values: ParsedValues, io: CliIo): Promise<number> {
  const req = { rollout: rolloutOpt(values), canary_revision: stringOpt(values, 'revision') ?? '', zones: zonesOpt(values), current_weight: weightOpt(values, 'from'), proposed_weight: weightOpt(values, 'to'), dry_run: values['dry-run'] === true };
  const c = client(values);
  try {
    const d = await c.evaluate(req);
    io.out(values['json'] ? JSON.stringify(d) : formatDecision(d));
    return d.verdict === 'VERDICT_ALLOW' ? GateExit.allow : d.verdict === 'VERDICT_HOLD' ? GateExit.hold : d.verdict === 'VERDICT_DENY' ? GateExit.deny : GateExit.error;
  } finally {
    c.close();
  }
}

async function zones(values: ParsedValues, io: CliIo): Promise<number> {
  const c = client(values);
  try {
    const res = await c.listZones();
    const wanted = zonesOpt(values);
    const list = wanted.length ? res.zones.filter((z) => wanted.includes(z.zone)) : res.zones;
    if (values['json']) io.out(JSON.stringify({ ...res, zones: list }));
    else io.out([`policy ${res.policy_version}`, ...list.map(formatZone)].join('\n'));
    return GateExit.allow;
  } finally {
    c.close();
  }
}

/** Prints every event until the stream ends or SIGINT/SIGTERM; exit 0 when stopped by a signal. */
async function watch(values: ParsedValues, io: CliIo): Promise<number> {
  const c = client(values);
  const json = values['json'] === true;
  return new Promise<number>((resolve) => {
    const finish = (code: number): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      c.close();
      resolve(code);
    };
    const onSignal = (): void => {
      cancel();
      finish(GateExit.allow);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const cancel = c.watch(
      { zones: zonesOpt(values) },
      (ev) => {
        if (json) return io.out(JSON.stringify(ev));
        if (ev.zone) io.out(`${new Date().toISOString()}  ${formatZone(ev.zone)}`);
        else if (ev.decision) io.out(`${new Date().toISOString()}  ${formatDecision(ev.decision).split('\n')[0]}`);
        else if (ev.heartbeat) io.out(`${new Date().toISOString()}  heartbeat (policy ${ev.heartbeat.policy_version})`);
      },
      (err) => {
        if (err) io.err(`loopgate gate watch: ${err.message}`);
        finish(err ? GateExit.error : GateExit.allow);
      },
    );
  });
}

export const gateCommand: CliCommand = {
  name: 'gate',
  summary: 'ask a running gateway: evaluate a weight change (exit 0 ALLOW, 1 HOLD, 2 DENY, 3 error), watch zone status, list zones',
  usage: [
    'gate evaluate --target HOST:PORT --zone ZONE --from PCT --to PCT [--rollout NS/NAME] [--revision REV] [--dry-run] [--tls-ca F --tls-cert F --tls-key F] [--json]',
    '       loopgate gate watch --target HOST:PORT [--zone ZONE ...] [--json]',
    '       loopgate gate zones --target HOST:PORT [--zone ZONE ...] [--json]',
  ].join('\n'),
  options,
  optionHelp: {
    target: 'HOST:PORT of the Gate API (default 127.0.0.1:50051)',
    zone: 'zone id (repeat, or comma-separated); default every zone',
    from: 'canary weight now (0-100)',
    to: 'canary weight wanted (0-100)',
    rollout: 'NAMESPACE/NAME of the rollout (default default/loopgate-cli)',
    revision: 'canary revision (pod template hash, checksum)',
    'dry-run': 'evaluate without reserving power or feeding the learned model',
    'tls-ca': 'CA (PEM) that signed the gate\'s certificate; TLS when given',
    'tls-cert': 'client certificate (PEM) for mTLS',
    'tls-key': 'client private key (PEM) for mTLS',
    json: 'print the Decision / zones / events as JSON',
    'deadline-ms': 'deadline of each call (default 5000)',
  },
  positionals: 1,
  async run(values, positionals, io) {
    const sub = positionals[0];
    try {
      switch (sub) {
        case 'evaluate':
          return await evaluate(values, io);
        case 'zones':
          return await zones(values, io);
        case 'watch':
          return await watch(values, io);
        default:
          throw new UsageError(sub === undefined ? 'a subcommand is required: evaluate, watch or zones' : `unknown subcommand "${sub}" (evaluate, watch, zones)`);
      }
    } catch (err) {
      if (err instanceof UsageError) throw err;
      if (err instanceof GateCallError || err instanceof LoopgateError) {
        io.err(`loopgate gate ${sub}: ${err.message}`);
        return GateExit.error;
      }
      throw err;
    }
  },
};

export const gateCommands: readonly CliCommand[] = [gateCommand, canaryDemoCommand];
