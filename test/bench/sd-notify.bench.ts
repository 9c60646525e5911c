/**
 * Cost of one sd_notify message the way loopgate sends it (a systemd-notify child that waits for
 * the barrier) against a unix datagram listener, side by side with the floor: spawning /bin/true.
 * Prints one JSON line. Run: npm run bench -- sd-notify
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createNotifier } from '../../src/systemd-notify.ts';

const N = 40;
const dir = mkdtempSync(join(tmpdir(), 'loopgate-bench-notify-'));
const sock = join(dir, 'notify.sock');
const listener = spawn('/usr/bin/python3', [fileURLToPath(new URL('../deploy/fixtures/notify-listener.py', import.meta.url)), sock], { stdio: ['ignore', 'pipe', 'inherit'] });
const lines = createInterface({ input: listener.stdout! });
await new Promise<void>((resolve) => lines.once('line', () => resolve()));

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const p90 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]!;

async function time(fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < N; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return out;
}

const notifier = createNotifier(pino({ level: 'silent' }), { env: { ...process.env, NOTIFY_SOCKET: sock } });
let ok = 0;
const notifyMs = await time(async () => {
  if (await notifier.notify(['WATCHDOG=1'])) ok++;
});
const spawnMs = await time(() => new Promise((resolve) => spawn('/bin/true').once('close', resolve)));
listener.kill();
rmSync(dir, { recursive: true, force: true });

console.log(
  JSON.stringify({
    bench: 'sd-notify',
    runs: N,
    delivered: ok,
    notify_ms_median: Number(median(notifyMs).toFixed(2)),
    notify_ms_p90: Number(p90(notifyMs).toFixed(2)),
    spawn_true_ms_median: Number(median(spawnMs).toFixed(2)),
    ratio_notify_to_spawn: Number((median(notifyMs) / median(spawnMs)).toFixed(2)),
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    node: process.version,
  }),
);
