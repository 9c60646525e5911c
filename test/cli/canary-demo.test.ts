/**
 * `loopgate canary-demo` (what npm run demo runs) as a real process on the demo config moved to
 * free ports: the timeline, both charts and the summary.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runCli, tempDir } from '../helpers/cli.ts';
import { demoConfigText } from '../sim/sim-helpers.ts';

const demo = await demoConfigText(readFileSync(join(repoRoot, 'config/demo.yaml'), 'utf8'));

test('canary-demo prints the timeline, the temperature and weight charts and where the canary stopped', async (t) => {
  const tmp = tempDir();
  t.after(() => tmp.cleanup());
  const file = tmp.write('demo.yaml', demo.text);
  const r = await runCli(['canary-demo', '--config', file, '--speed', '60', '--dwell', '30', '--settle', '0']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^loopgate canary demo: shop\/checkout into hall-a \(cooling 100 %\)/);
  assert.match(r.stdout, /^\+ +\d+ s {2}shop\/checkout +ALLOW +0 -> 5 %$/m);
  assert.match(r.stdout, /HOLD +\d+ -> \d+ % \(max safe [\d.]+ %, retry \d+ s\) {2}thermal: predicted steady state/);
  assert.match(r.stdout, /^hall-a inlet temperature \(Cel\): \* plant, = limit 35, - limit - margin 33$/m);
  assert.match(r.stdout, /\|=+\| limit 35$/m);
  assert.match(r.stdout, /^hall-a canary weight/m);
  assert.match(r.stdout, /shop\/checkout: held at (5[5-9]|60) % \(gate's max safe weight [\d.]+ %\)/);
  assert.match(r.stdout, /hottest inlet [\d.]+ Cel \(limit 35\)/);
});
