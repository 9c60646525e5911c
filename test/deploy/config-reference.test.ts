/** docs/configuration.md is generated from the zod schema; it must match, and every key must be described. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { referencePath, renderConfigReference } from '../../scripts/gen-config-reference.ts';

const generated = renderConfigReference();

test('docs/configuration.md is up to date (npm run docs:config)', () => {
  const committed = readFileSync(referencePath, 'utf8');
  assert.ok(committed === generated, 'docs/configuration.md is out of date: run `npm run docs:config` and commit it');
});

test('every key in the reference has a type and a description', () => {
  const rows = generated.split('\n').filter((l) => l.startsWith('| `'));
  assert.ok(rows.length > 80, `${rows.length} rows`);
  const undescribed = rows.filter((r) => / \|\s*\|$/.test(r)).map((r) => r.split(' | ')[0]);
  assert.deepEqual(undescribed, [], 'add .describe() to these schema fields');
  for (const key of ['`site`', '`buses[].baud`', '`devices[].signals[].loop.eu`', '`zones[].limits.power_budget`', '`gate.tls.allowed_clients`', '`metrics.otlp.endpoint`', '`mqtt.spool_dir`']) {
    assert.ok(rows.some((r) => r.startsWith(`| ${key} |`)), key);
  }
});

test('defaults and allowed values come from the schema', () => {
  assert.match(generated, /\| `buses\[\]\.parity` \| string \| `even` \| `none` \\\| `even` \\\| `odd` \|/);
  assert.match(generated, /\| `devices\[\]\.poll_ms` \| integer \| `1000` \| >= 10, <= 3600000 \|/);
  assert.match(generated, /\| `site` \| string \| \*\*required\*\* \|/);
});
