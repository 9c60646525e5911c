/**
 * sd_notify(3) from Node without a native addon. Node has no AF_UNIX datagram sockets, so each
 * message is handed to systemd's own `systemd-notify` binary (present wherever systemd is).
 *
 * The sender-pid problem: the datagram comes from the systemd-notify child, not from the main
 * PID, so the unit needs NotifyAccess=all (systemd then accepts messages from any process of the
 * service's cgroup — only loopgate and its own children live there). systemd-notify (>= 246)
 * waits by default until the manager has processed the message (sd_notify_barrier), so the child
 * is still alive, and attributable to the unit's cgroup, when PID 1 reads it; we never pass
 * --no-block for that reason, nor --pid (that would send MAINPID= and need privileges).
 *
 * Messages are sent one at a time, in order (READY=1 never overtakes STATUS=, STOPPING=1 never
 * overtakes READY=1). Sending never rejects: failures are logged (once per kind) and reported as
 * `false`. Without NOTIFY_SOCKET (not under systemd: a terminal, a container) it does nothing.
 */
import { spawn } from 'node:child_process';
import type { Logger } from './log.ts';

export const NOTIFY_TIMEOUT_MS = 5_000;

export interface Notifier {
  /** True when NOTIFY_SOCKET is set, i.e. a service manager listens. */
  readonly enabled: boolean;
  /** Sends `KEY=VALUE` assignments in one datagram. Resolves true when systemd-notify succeeded. */
  notify(assignments: readonly string[]): Promise<boolean>;
}

export interface NotifierOptions {
  env?: NodeJS.ProcessEnv;
  /** The systemd-notify binary (PATH lookup by default). */
  command?: string;
  timeoutMs?: number;
}

export function createNotifier(log: Logger, opts: NotifierOptions = {}): Notifier {
  const env = opts.env ?? process.env;
  const socket = env['NOTIFY_SOCKET'];
  if (!socket) return { enabled: false, notify: async () => false };
  const command = opts.command ?? 'systemd-notify';
  const timeoutMs = opts.timeoutMs ?? NOTIFY_TIMEOUT_MS;
  const nlog = log.child({ component: 'systemd' });
  const warned = new Set<string>();
  const warnOnce = (kind: string, fields: object, msg: string): void => {
    if (warned.has(kind)) return;
    warned.add(kind);
    nlog.warn({ event: 'sd_notify_failed', ...fields }, msg);
  };
  let queue: Promise<unknown> = Promise.resolve();

  const sendOne = (assignments: readonly string[]): Promise<boolean> =>
    new Promise((resolve) => {
      const child = spawn(command, [...assignments], { env: { ...env, NOTIFY_SOCKET: socket }, stdio: ['ignore', 'ignore', 'pipe'], timeout: timeoutMs });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.once('error', (err) => {
        warnOnce(`spawn:${(err as NodeJS.ErrnoException).code ?? ''}`, { err, command }, `cannot run ${command}: systemd will not hear READY/WATCHDOG`);
        resolve(false);
      });
      child.once('close', (code, signal) => {
        if (code === 0) return resolve(true);
        warnOnce(`exit:${String(code)}:${String(signal)}`, { command, exit_code: code, signal, stderr: stderr.trim(), message: assignments.join(' ') }, `${command} failed`);
        resolve(false);
      });
    });

  return {
    enabled: true,
    notify(assignments) {
      const next = queue.then(() => sendOne(assignments));
      queue = next;
      return next;
    },
  };
}
