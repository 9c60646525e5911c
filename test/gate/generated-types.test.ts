/** The generated proto types are what `npm run proto:gen` makes of the current gate.proto. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot, tempDir } from '../helpers/cli.ts';

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

test('src/gate/generated is up to date with proto/loopgate/v1/gate.proto (run npm run proto:gen)', (t) => {
  const tmp = tempDir('loopgate-gen-');
  t.after(() => tmp.cleanup());
  execFileSync(process.execPath, [join(repoRoot, 'scripts/proto-gen.ts'), tmp.dir], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
  const committed = join(repoRoot, 'src/gate/generated');
  const fresh = walk(tmp.dir).map((p) => relative(tmp.dir, p)).sort();
  assert.deepEqual(walk(committed).map((p) => relative(committed, p)).sort(), fresh);
  for (const rel of fresh) assert.equal(readFileSync(join(committed, rel), 'utf8'), readFileSync(join(tmp.dir, rel), 'utf8'), `${rel} is stale: run npm run proto:gen`);
});

test('every generated file loads under Node type stripping (erasable syntax, .ts imports)', async () => {
  const committed = join(repoRoot, 'src/gate/generated');
  for (const file of walk(committed)) await import(file);
  const { Verdict } = await import('../../src/gate/generated/loopgate/v1/Verdict.ts');
  assert.deepEqual(Object.values(Verdict), ['VERDICT_UNSPECIFIED', 'VERDICT_ALLOW', 'VERDICT_HOLD', 'VERDICT_DENY']);
});
