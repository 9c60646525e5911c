/**
 * sd_notify for real: a unix datagram socket (python3, like PID 1 reading SCM_CREDENTIALS) is the
 * NOTIFY_SOCKET of a spawned `loopgate run`; READY=1, WATCHDOG=1 and STOPPING=1 must arrive.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { spawnCli, tempDir, waitForLine } from '../helpers/cli.ts';
import { requireBinary } from './require-binary.ts';

const tmp = tempDir('loopgate-notify-');
after(() => tmp.cleanup());
const listenerScript = fileURLToPath(new URL('./fixtures/notify-listener.py', import.meta.url));

const minimal = `site: t
gateway_id: gw-test
gate: { listen: 127.0.0.1:0 }
metrics: { prometheus: { listen: 127.0.0.1:0 } }
`;

interface Datagram {
  pid: number | null;
  fields: string[];
}

/** Starts the listener; `next(pred)` resolves with the first datagram (past or future) matching. */
async function notifySocket(python: string, path: string): Promise<{ proc: ChildProcess; all: Datagram[]; next: (pred: (d: Datagram) => boolean) => Promise<Datagram> }> {
  const proc = spawn(python, [listenerScript, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const all: Datagram[] = [];
  const events = new EventEmitter();
  const lines = createInterface({ input: proc.stdout! });
  const listening = new Promise<void>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`notify listener exited (${code})`)));
    lines.on('line', (line) => {
      const msg = JSON.parse(line) as Datagram | { listening: string };
      if ('listening' in msg) return resolve();
      all.push(msg);
      events.emit('datagram', msg);
    });
  });
  await listening;
  const next = (pred: (d: Datagram) => boolean): Promise<Datagram> => {
    const seen = all.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => {
      const on = (d: Datagram): void => {
        if (!pred(d)) return;
        events.off('datagram', on);
        resolve(d);
      };
      events.on('datagram', on);
    });
  };
  return { proc, all, next };
}

const has = (field: string) => (d: Datagram): boolean => d.fields.includes(field);

test('loopgate run under a NOTIFY_SOCKET sends READY=1, WATCHDOG=1 and STOPPING=1', async (t) => {
  const python = requireBinary(t, '/usr/bin/python3');
  if (!python || !requireBinary(t, 'systemd-notify')) return;
  const sock = await notifySocket(python, join(tmp.dir, 'notify.sock'));
  t.after(() => sock.proc.kill());

  // 200 ms watchdog: pings every 100 ms from the daemon's liveness.
  const child = spawnCli(['run', '--config', tmp.write('run.yaml', minimal)], { NOTIFY_SOCKET: join(tmp.dir, 'notify.sock'), WATCHDOG_USEC: '200000' });
  t.after(() => child.kill('SIGKILL'));
  await waitForLine(child, /"event":"started"/);
  const ready = await sock.next(has('READY=1'));
  assert.ok(ready.fields.some((f) => f.startsWith('STATUS=ready')), ready.fields.join(' '));
  const ping = await sock.next(has('WATCHDOG=1'));
  // Sender credentials: systemd-notify claims its parent's pid (loopgate) only when it holds
  // CAP_SYS_ADMIN (root here); in the hardened unit it has no capabilities and the kernel stamps
  // its own pid — which is why the unit says NotifyAccess=all. Either way a pid is attached.
  assert.equal(typeof ping.pid, 'number');

  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0);
  const stopping = await sock.next(has('STOPPING=1'));
  const order = sock.all.indexOf(stopping);
  assert.ok(order > sock.all.indexOf(ready), 'STOPPING=1 after READY=1');
});

test('without NOTIFY_SOCKET nothing is sent and run still works', async () => {
  const child = spawnCli(['run', '--config', tmp.write('plain.yaml', minimal)], { NOTIFY_SOCKET: '' });
  await waitForLine(child, /"event":"ready"/);
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0);
});
