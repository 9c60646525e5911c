/**
 * `loopgate gate evaluate|zones|watch` against a real Gate server (the gate fixtures' plant):
 * the real CLI process, exit codes 0 ALLOW, 1 HOLD, 2 DENY, 3 unreachable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { runCli, spawnCli, waitForLine } from '../helpers/cli.ts';
import { serve } from '../api/harness.ts';
import { plantConfig, settle } from '../gate/fixtures.ts';
import { freePort } from '../helpers/net.ts';

test('gate evaluate: readable decision and exit 0 / 1 / 2; --json prints the Decision', async (t) => {
  const s = await serve(t, plantConfig({ gate: {} }));
  settle(s, 3);
  const allow = await runCli(['gate', 'evaluate', '--target', s.address, '--zone', 'hall-a', '--from', '0', '--to', '10', '--rollout', 'shop/podinfo', '--dry-run']);
  assert.equal(allow.code, 0, allow.stderr);
  assert.match(allow.stdout, /^ALLOW {2}shop\/podinfo {2}hall-a {2}0 -> 10 %/);
  assert.match(allow.stdout, /hall-a: 25\.00 Cel, 70\.0 kW now -> 26\.00 Cel, 80\.0 kW at 10 %/);
  const hold = await runCli(['gate', 'evaluate', '--target', s.address, '--zone', 'hall-a', '--from', '10', '--to', '60', '--json']);
  assert.equal(hold.code, 1, hold.stderr);
  const d = JSON.parse(hold.stdout) as { verdict: string; max_safe_weight: number; reasons: { rule: string }[] };
  assert.equal(d.verdict, 'VERDICT_HOLD');
  assert.equal(d.max_safe_weight, 40);
  assert.equal(d.reasons[0]!.rule, 'power');
  s.advance(1000);
  s.feed({ a_temp: 36 });
  const deny = await runCli(['gate', 'evaluate', '--target', s.address, '--zone', 'hall-a', '--from', '10', '--to', '20']);
  assert.equal(deny.code, 2, deny.stderr);
  assert.match(deny.stdout, /^DENY .*\(roll back\)\n {2}DENY {2}temperature {7}hall-a\/a_temp: a_temp at 36 Cel is at or over the limit 35 Cel/);
  const bad = await runCli(['gate', 'evaluate', '--target', s.address, '--zone', 'hall-z', '--from', '0', '--to', '10']);
  assert.equal(bad.code, 3);
  assert.match(bad.stderr, /INVALID_ARGUMENT: zones\[0\]: unknown zone "hall-z"/);
});

test('gate evaluate: unreachable target exits 3; usage errors exit 64', async () => {
  const port = await freePort(); // nothing listens there
  const r = await runCli(['gate', 'evaluate', '--target', `127.0.0.1:${port}`, '--zone', 'hall-a', '--from', '0', '--to', '10', '--deadline-ms', '2000']);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /Evaluate: (UNAVAILABLE|DEADLINE_EXCEEDED)/);
  const u = await runCli(['gate', 'evaluate', '--from', '0', '--to', '101']);
  assert.equal(u.code, 64);
  assert.match(u.stderr, /--to: expected a weight 0-100, found "101"/);
  const n = await runCli(['gate', 'frobnicate']);
  assert.equal(n.code, 64);
});

test('gate zones lists every zone with headroom; gate watch streams status until SIGINT', async (t) => {
  const s = await serve(t, plantConfig({ gate: {} }));
  settle(s, 3);
  const z = await runCli(['gate', 'zones', '--target', s.address]);
  assert.equal(z.code, 0, z.stderr);
  assert.match(z.stdout, /^hall-a {5}ALLOW good {6}25\.00 Cel \(limit 35\.0, 8\.00 K to limit - margin\) {2}70\.0 kW of 100\.0 kW \(headroom 30\.0 kW, reserved 0\.0 kW\)/m);
  assert.match(z.stdout, /^hall-b /m);
  const w = spawnCli(['gate', 'watch', '--target', s.address, '--zone', 'hall-a']);
  const line = await waitForLine(w, /hall-a +ALLOW/);
  assert.match(line, /^\d{4}-\d\d-\d\dT.*Z {2}hall-a/);
  w.kill('SIGINT');
  const [code] = await once(w, 'exit');
  assert.equal(code, 0);
});
