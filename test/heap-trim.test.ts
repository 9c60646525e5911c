/** trimHeap: one memory-reducing collection returns the pages a start-up burst left behind. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { repoRoot } from './helpers/cli.ts';

// A fresh Node: builds and drops ~100 MB of objects (as a large config parse does), then trims.
const probe = `
const { trimHeap } = await import('./src/heap-trim.ts');
let keep = [];
for (let i = 0; i < 2e6; i++) keep.push({ i, s: 'x' + i });
keep = null;
const r = trimHeap();
process.stdout.write(JSON.stringify({ r, gcGlobal: typeof globalThis.gc }));
`;

test('trimHeap hands the freed heap pages back to the system and leaves no gc global behind', () => {
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: repoRoot, encoding: 'utf8' })) as { r: { rssBeforeBytes: number; rssAfterBytes: number; ms: number } | null; gcGlobal: string };
  assert.ok(out.r, 'the gc extension was available');
  const freedMb = (out.r.rssBeforeBytes - out.r.rssAfterBytes) / 1048576;
  assert.ok(freedMb > 50, `RSS ${Math.round(out.r.rssBeforeBytes / 1048576)} -> ${Math.round(out.r.rssAfterBytes / 1048576)} MB`);
  assert.equal(out.gcGlobal, 'undefined');
});
