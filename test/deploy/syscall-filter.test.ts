/**
 * The unit's SystemCallFilter= (@system-service minus @privileged) against what loopgate really
 * calls: `loopgate run` (with a NOTIFY_SOCKET, so the systemd-notify child is traced too) runs
 * under strace -f until ready and stopped; every system call seen must be in the filter as this
 * machine's systemd-analyze expands it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { binPath, repoRoot, tempDir } from '../helpers/cli.ts';
import { requireBinary } from './require-binary.ts';

/** Group name -> syscalls, with nested groups expanded, from `systemd-analyze syscall-filter`. */
function syscallGroups(): (group: string) => Set<string> {
  const text = execFileSync('systemd-analyze', ['syscall-filter', '--no-pager'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const groups = new Map<string, string[]>();
  let cur: string[] | undefined;
  for (const line of text.split('\n')) {
    const head = /^(@[\w-]+)\s*$/.exec(line);
    if (head) groups.set(head[1]!, (cur = []));
    else if (cur && /^\s+[@\w]/.test(line)) cur.push(line.trim());
  }
  const expand = (g: string): Set<string> => new Set((groups.get(g) ?? []).flatMap((m) => (m.startsWith('@') ? [...expand(m)] : [m])));
  return expand;
}

test('every system call of a traced run is allowed by the unit\'s SystemCallFilter', async (t) => {
  if (!requireBinary(t, 'strace') || !requireBinary(t, 'systemd-analyze') || !requireBinary(t, 'systemd-notify')) return;
  if (spawnSync('strace', ['-f', '-qq', '-o', '/dev/null', 'true']).status !== 0) return t.skip('ptrace is not permitted in this environment');
  const tmp = tempDir('loopgate-strace-');
  t.after(() => tmp.cleanup());
  const config = tmp.write('run.yaml', 'site: t\ngateway_id: gw\ngate: { listen: 127.0.0.1:0 }\nmetrics: { prometheus: { listen: 127.0.0.1:0 } }\n');
  const trace = join(tmp.dir, 'trace');
  const env = { ...process.env, NOTIFY_SOCKET: join(tmp.dir, 'no-listener.sock') };
  const strace = spawn('strace', ['-f', '-qq', '-o', trace, process.execPath, binPath, 'run', '--config', config], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'ignore'] });
  t.after(() => strace.kill('SIGKILL'));
  let out = '';
  strace.stdout!.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    strace.stdout!.on('data', (d: string) => {
      out += d;
      if (out.includes('"event":"ready"')) resolve();
    });
    strace.once('exit', () => reject(new Error(`exited before ready: ${out}`)));
  });
  // strace (-o FILE PROG) blocks fatal signals: stop the traced daemon itself.
  const node = Number(readFileSync(`/proc/${strace.pid}/task/${strace.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
  process.kill(node, 'SIGTERM');
  await once(strace, 'exit');

  const used = new Set<string>();
  for (const line of readFileSync(trace, 'utf8').split('\n')) {
    const m = /^\d+\s+([a-z_0-9]+)\(/.exec(line);
    if (m) used.add(m[1]!);
  }
  assert.ok(used.has('execve') && used.has('epoll_pwait'), [...used].join(' '));
  const expand = syscallGroups();
  const allowed = expand('@system-service');
  for (const s of expand('@privileged')) allowed.delete(s);
  assert.ok(allowed.has('openat') && !allowed.has('setuid') && !allowed.has('reboot'), 'the filter was expanded');
  const refused = [...used].filter((s) => !allowed.has(s)).sort();
  t.diagnostic(`${used.size} distinct system calls traced`);
  assert.deepEqual(refused, []);
});
