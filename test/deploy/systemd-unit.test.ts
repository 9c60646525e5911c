/**
 * The systemd unit, checked by systemd's own tools: `systemd-analyze verify` must be clean (in a
 * temp root holding the host's units and a stand-in /usr/bin/node, so the check does not depend on
 * where this machine keeps Node), `systemd-analyze security --offline=yes` must rate the exposure
 * <= 2.0, and sysusers.d/tmpfiles.d must create the user and directories the unit relies on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, tempDir } from '../helpers/cli.ts';
import { requireBinary } from './require-binary.ts';

const run = promisify(execFile);
const unitPath = join(repoRoot, 'systemd', 'loopgate.service');
const unitText = readFileSync(unitPath, 'utf8');

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function exec(cmd: string, args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(cmd, args, { encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** The [Service]/[Unit] assignments of a unit file: key -> every value it is given, in order. */
function parseUnit(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';') || line.startsWith('[')) continue;
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    out.set(key, [...(out.get(key) ?? []), line.slice(eq + 1)]);
  }
  return out;
}

/** A root with the host's units, the unit under test and an executable stand-in for Node. */
function layoutRoot(dir: string, unit: string): string {
  const root = join(dir, 'root');
  mkdirSync(join(root, 'usr/lib/systemd'), { recursive: true });
  cpSync('/usr/lib/systemd/system', join(root, 'usr/lib/systemd/system'), { recursive: true });
  mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
  writeFileSync(join(root, 'etc/systemd/system/loopgate.service'), unit);
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  writeFileSync(join(root, 'usr/bin/node'), '#!/bin/sh\nexit 0\n');
  chmodSync(join(root, 'usr/bin/node'), 0o755);
  return root;
}

test('systemd-analyze verify: the unit is clean', async (t) => {
  if (!requireBinary(t, 'systemd-analyze')) return;
  const tmp = tempDir('loopgate-unit-');
  t.after(() => tmp.cleanup());
  const root = layoutRoot(tmp.dir, unitText);
  const res = await exec('systemd-analyze', ['verify', `--root=${root}`, 'loopgate.service']);
  assert.deepEqual(res, { code: 0, stdout: '', stderr: '' });
});

test('systemd-analyze verify: the check can fail (a misspelt key is reported)', async (t) => {
  if (!requireBinary(t, 'systemd-analyze')) return;
  const tmp = tempDir('loopgate-unit-');
  t.after(() => tmp.cleanup());
  const root = layoutRoot(tmp.dir, unitText.replace('ProtectSystem=strict', 'ProtectSytem=strict'));
  const res = await exec('systemd-analyze', ['verify', `--root=${root}`, 'loopgate.service']);
  assert.match(res.stderr, /loopgate\.service:\d+: Unknown key 'ProtectSytem' in section \[Service\]/);
});

test('systemd-analyze security --offline=yes: exposure <= 2.0', async (t) => {
  if (!requireBinary(t, 'systemd-analyze')) return;
  // --threshold is on the 0-100 scale behind the 0.0-10.0 figure: 20 = exposure 2.0.
  const res = await exec('systemd-analyze', ['security', '--offline=yes', '--threshold=20', '--no-pager', unitPath]);
  const m = /Overall exposure level for loopgate\.service: (\d+\.\d)/.exec(res.stdout);
  assert.ok(m, res.stdout + res.stderr);
  const exposure = Number(m[1]);
  t.diagnostic(`exposure ${exposure}`);
  assert.ok(exposure <= 2.0, `exposure ${exposure} > 2.0`);
  assert.equal(res.code, 0, res.stderr);
});

test('the unit says what loopgate needs', () => {
  const u = parseUnit(unitText);
  const one = (k: string): string | undefined => u.get(k)?.at(-1);
  assert.equal(one('Type'), 'notify');
  assert.equal(one('NotifyAccess'), 'all', 'systemd-notify is a child process: it must be allowed to notify');
  assert.ok(Number(one('WatchdogSec')) > 0);
  assert.equal(one('Restart'), 'on-failure');
  assert.equal(one('RestartPreventExitStatus'), '78');
  assert.equal(u.has('ExecReload'), false, 'no SIGHUP reload is implemented');
  assert.match(one('ExecStart') ?? '', /^\/usr\/bin\/node .*\/opt\/loopgate\/bin\/loopgate\.js run --config \/etc\/loopgate\/loopgate\.yaml$/);
  assert.equal(one('User'), 'loopgate');
  assert.equal(one('SupplementaryGroups'), 'dialout');
  assert.deepEqual(u.get('DeviceAllow'), ['char-ttyS rw', 'char-ttyUSB rw', 'char-ttyACM rw']);
  assert.equal(one('DevicePolicy'), 'closed');
  assert.equal(u.has('PrivateDevices'), false, 'PrivateDevices would hide the serial ports');
  assert.equal(one('StateDirectory'), 'loopgate loopgate/mqtt');
  assert.equal(one('ConfigurationDirectory'), 'loopgate');
  assert.equal(one('LoadCredential'), 'tls:/etc/loopgate/tls');
  for (const [k, v] of [
    ['ProtectSystem', 'strict'],
    ['ProtectHome', 'yes'],
    ['PrivateTmp', 'yes'],
    ['NoNewPrivileges', 'yes'],
    ['CapabilityBoundingSet', ''],
    ['RestrictAddressFamilies', 'AF_INET AF_INET6 AF_UNIX'],
    ['SystemCallErrorNumber', 'EPERM'],
    ['MemoryDenyWriteExecute', 'no'],
  ] as const) assert.equal(one(k), v, k);
  assert.equal(u.get('SystemCallFilter')?.[0], '@system-service');
  assert.match(one('MemoryMax') ?? '', /^\d+[KMG]$/);
  assert.match(unitText, /MemoryDenyWriteExecute stays off: V8's JIT/);
});

test('sysusers.d and tmpfiles.d create the user, its dialout membership and the directories', async (t) => {
  if (!requireBinary(t, 'systemd-sysusers') || !requireBinary(t, 'systemd-tmpfiles')) return;
  const tmp = tempDir('loopgate-sysusers-');
  t.after(() => tmp.cleanup());
  const root = tmp.dir;
  mkdirSync(join(root, 'etc'));
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\ndialout:x:20:\n');
  for (const [src, dst] of [['loopgate.sysusers.conf', 'usr/lib/sysusers.d'], ['loopgate.tmpfiles.conf', 'usr/lib/tmpfiles.d']] as const) {
    mkdirSync(join(root, dst), { recursive: true });
    cpSync(join(repoRoot, 'systemd', src), join(root, dst, 'loopgate.conf'));
  }
  assert.equal((await exec('systemd-sysusers', [`--root=${root}`])).code, 0);
  assert.match(readFileSync(join(root, 'etc/passwd'), 'utf8'), /^loopgate:x:\d+:\d+:[^:]*:\/var\/lib\/loopgate:/m);
  assert.match(readFileSync(join(root, 'etc/group'), 'utf8'), /^dialout:x:20:loopgate$/m);
  const tmpfiles = await exec('systemd-tmpfiles', [`--root=${root}`, '--create']);
  assert.equal(tmpfiles.code, 0, tmpfiles.stderr);
  assert.equal(statSync(join(root, 'etc/loopgate/tls')).mode & 0o777, 0o700);
  assert.equal(statSync(join(root, 'etc/loopgate')).mode & 0o777, 0o755);
});
