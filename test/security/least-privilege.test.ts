/**
 * The unit runs without root: systemd/loopgate.service names a system user and grants no
 * capability; and the daemon really runs as an unprivileged uid with no capabilities (setpriv to
 * nobody): it starts (MQTT spool dir its own), serves /readyz, and stops with exit 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { chmodSync, chownSync, mkdirSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { binPath, repoRoot, tempDir } from '../helpers/cli.ts';
import { requireBinary } from '../deploy/require-binary.ts';

function unitValues(text: string, key: string): string[] {
  return [...text.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]!.trim());
}

test('the systemd unit runs as a system user with no capabilities and no privilege gain', () => {
  const unit = readFileSync(join(repoRoot, 'systemd', 'loopgate.service'), 'utf8');
  const [user] = unitValues(unit, 'User');
  assert.ok(user && !['root', '0'].includes(user) && unitValues(unit, 'DynamicUser').every((v) => v !== 'no'), `User=${user}`);
  assert.ok(unitValues(unit, 'Group').every((g) => !['root', '0'].includes(g)));
  assert.deepEqual(unitValues(unit, 'CapabilityBoundingSet'), [''], 'an empty bounding set');
  assert.ok(unitValues(unit, 'AmbientCapabilities').every((v) => v === ''), 'no ambient capabilities');
  assert.deepEqual(unitValues(unit, 'NoNewPrivileges'), ['yes']);
  assert.ok(!/^ExecStart=\+|^ExecStart=!/m.test(unit), 'ExecStart does not run with full privileges');
  const sysusers = readFileSync(join(repoRoot, 'systemd', 'loopgate.sysusers.conf'), 'utf8');
  assert.match(sysusers, new RegExp(`^u ${user} -`, 'm'), 'sysusers.d creates the user as a system user');
});

test('the daemon runs as uid 65534 with no capabilities: starts, serves /readyz, exits 0', async (t) => {
  const setpriv = requireBinary(t, 'setpriv');
  if (!setpriv) return;
  if (process.getuid?.() !== 0) {
    if (process.env['CI'] === 'true') throw new Error('this test needs root to drop to another uid (CI runs as root)');
    return t.skip('needs root to drop privileges to uid 65534');
  }
  const tmp = tempDir('loopgate-nonroot-');
  t.after(() => tmp.cleanup());
  chmodSync(tmp.dir, 0o755);
  const spool = join(tmp.dir, 'spool');
  mkdirSync(spool, { mode: 0o700 });
  chownSync(spool, 65534, 65534);
  const cfg = tmp.write('nonroot.yaml', `site: t\ngateway_id: gw\ngate: { listen: 127.0.0.1:0 }\nmetrics: { prometheus: { listen: 127.0.0.1:0 } }\nmqtt: { url: "mqtt://127.0.0.1:1", spool_dir: ${spool} }\n`);
  chmodSync(cfg, 0o644);
  const child = spawn(setpriv, ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--no-new-privs', process.execPath, binPath, 'run', '--config', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const end = Date.now() + 20_000;
  while (!/"event":"started"/.test(out)) {
    if (Date.now() > end || child.exitCode !== null) throw new Error(`did not start as uid 65534 (exit ${child.exitCode})\n${out}\n${err}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  // setpriv exec()s node, so the pid is the daemon's.
  assert.match(status, /^Uid:\s+65534\s+65534\s+65534\s+65534$/m);
  assert.match(status, /^CapEff:\s+0+$/m);
  assert.match(status, /^CapBnd:\s+0+$/m);
  const port = /"listen":"127\.0\.0\.1:(\d+)"[^\n]*metrics endpoint listening/.exec(out)?.[1];
  const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
  assert.equal(ready.status, 200);
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0, `${out}\n${err}`);
});
