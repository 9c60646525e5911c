/** Golden cases: test/cases/plan-* hold a config and the plan `check-config` must print for it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runCli } from '../helpers/cli.ts';

const cases = readdirSync(join(repoRoot, 'test/cases')).filter((d) => d.startsWith('plan-'));

for (const name of cases) {
  test(`golden plan: ${name}`, async () => {
    const rel = `test/cases/${name}/config.yaml`;
    const r = await runCli(['check-config', rel]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, readFileSync(join(repoRoot, 'test/cases', name, 'expected-plan.txt'), 'utf8'));
  });
}
