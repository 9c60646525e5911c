/** Runs every benchmark in test/bench/ (files named *.bench.ts), one JSON line each. */
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv[2];
const benches = readdirSync(dir).filter((f) => f.endsWith('.bench.ts') && (only === undefined || f.includes(only))).sort();
if (benches.length === 0) console.error('no benchmarks found');
let failed = 0;
for (const f of benches) {
  const res = spawnSync(process.execPath, [`${dir}${f}`], { stdio: 'inherit' });
  if (res.status !== 0) failed++;
}
process.exitCode = failed === 0 ? 0 : 1;
