/**
 * Hostile config: seeded mutants of config/loopgate.example.yaml (deleted lines, swapped values,
 * random bytes, truncation, type flips...). The loader either accepts a mutant or throws a
 * ConfigError whose every problem is placed (file:line:column, YAML path, message); nothing else
 * ever escapes. A sample goes through the spawned CLI: exit 78 (or 0), never a stack trace.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/config/problems.ts';
import { repoRoot, runCli, tempDir } from '../helpers/cli.ts';
import { mutants, type Mutant } from './yaml-mutations.ts';

const example = readFileSync(join(repoRoot, 'config', 'loopgate.example.yaml'), 'utf8');
const CASES = 400;
const tmp = tempDir('loopgate-fuzz-');
after(() => tmp.cleanup());

const stackFrame = /^\s+at\s.+[(:]\d+/m;

type Outcome = { mutant: Mutant; ok: true } | { mutant: Mutant; ok: false; error: ConfigError };

function load(m: Mutant): Outcome {
  try {
    parseConfig(m.text, 'mutant.yaml');
    return { mutant: m, ok: true };
  } catch (err) {
    if (err instanceof ConfigError) return { mutant: m, ok: false, error: err };
    throw new Error(`seed ${m.seed} (${m.kinds.join('+')}): ${(err as Error)?.name}: ${(err as Error)?.message}`, { cause: err });
  }
}

const outcomes: Outcome[] = [];

test(`${CASES} mutants of the example config: accepted, or a ConfigError with every problem placed`, () => {
  const m = mutants(example, CASES);
  for (const mutant of m) outcomes.push(load(mutant));
  const rejected = outcomes.filter((o): o is Extract<Outcome, { ok: false }> => !o.ok);
  // The mutations really bite: most mutants are rejected (a deleted comment line is harmless).
  assert.ok(rejected.length > CASES / 2, `only ${rejected.length} of ${CASES} rejected`);
  for (const { mutant, error } of rejected) {
    const where = `seed ${mutant.seed} (${mutant.kinds.join('+')})`;
    assert.equal(error.code, 'LG_CONFIG_INVALID', where);
    assert.ok(error.problems.length > 0, where);
    for (const p of error.problems) {
      assert.equal(p.file, 'mutant.yaml', where);
      assert.ok(Number.isInteger(p.line) && p.line >= 1, `${where}: line ${p.line}`);
      assert.ok(Number.isInteger(p.column) && p.column >= 1, `${where}: column ${p.column}`);
      assert.ok(p.path.length > 0, where);
      assert.ok(p.message.trim().length > 0, where);
      assert.doesNotMatch(p.message, /\[object Object\]|stack|TypeError|ReferenceError/, `${where}: ${p.message}`);
    }
    assert.doesNotMatch(error.message, stackFrame, where);
    for (const l of error.message.split('\n').slice(1)) assert.match(l, /^mutant\.yaml:\d+:\d+: \S/, `${where}: ${l}`);
  }
});

test('pathological YAML: alias bombs, deep nesting, huge scalars, binary -> clean ConfigError', () => {
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`), 'site: *j'].join('\n');
  const cases: Record<string, string> = {
    alias_bomb: bomb,
    deep_flow: `site: ${'['.repeat(5000)}${']'.repeat(5000)}`,
    deep_block: Array.from({ length: 500 }, (_, i) => `${' '.repeat(i * 2)}k${i}:`).join('\n'),
    huge_scalar: `site: ${'x'.repeat(5_000_000)}`,
    huge_key: `${'k'.repeat(100_000)}: 1`,
    binary: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)).toString('latin1'),
    nul_only: '\u0000\u0000\u0000',
    bom_then_tab: '\ufeff\tsite: x',
    many_docs: 'site: a\n---\nsite: b\n',
    tags: 'site: !!js/function "function(){}"\n',
    merge_keys: 'base: &b { id: x }\nbuses: [{ <<: *b, transport: tcp }]\n',
    number_key: '1: 2\n',
    list_root: '- site: x\n',
  };
  for (const [name, text] of Object.entries(cases)) {
    let err: unknown;
    try {
      parseConfig(text, `${name}.yaml`);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof ConfigError, `${name}: expected ConfigError, got ${(err as Error)?.name ?? 'success'}: ${(err as Error)?.message?.slice(0, 200)}`);
    for (const p of err.problems) assert.ok(p.line >= 1 && p.file === `${name}.yaml`, `${name}: ${p.file}:${p.line}`);
    assert.ok(err.message.length < 20_000, `${name}: message of ${err.message.length} chars`);
  }
});

test('a sample of mutants through the spawned CLI: exit 78 with placed problems (0 when valid), never a stack trace', async () => {
  assert.ok(outcomes.length > 0, 'runs after the in-process test');
  const rejected = outcomes.filter((o) => !o.ok);
  const accepted = outcomes.filter((o) => o.ok);
  const sample = [...rejected.filter((_, i) => i % Math.ceil(rejected.length / 10) === 0), ...accepted.slice(0, 2)];
  const runs = await Promise.all(
    sample.map(async (o, i) => {
      const file = tmp.write(`m${o.mutant.seed}.yaml`, o.mutant.text);
      // Two of them through `run` (the daemon's path) rather than check-config.
      const args = i % 5 === 0 && !o.ok ? ['run', '--config', file] : ['check-config', file];
      return { o, file, args, res: await runCli(args) };
    }),
  );
  for (const { o, file, args, res } of runs) {
    const where = `seed ${o.mutant.seed} ${args[0]}`;
    assert.equal(res.signal, null, where);
    assert.equal(res.code, o.ok ? 0 : 78, `${where}: exit ${res.code}\n${res.stderr}`);
    assert.doesNotMatch(res.stderr, stackFrame, `${where}: stack trace\n${res.stderr}`);
    assert.doesNotMatch(res.stderr, /"level":"fatal"|unhandled/, where);
    if (!o.ok) {
      const lines = res.stderr.trim().split('\n');
      assert.match(lines[0]!, /^invalid config \(\d+ problems?\):$/, where);
      for (const l of lines.slice(1)) assert.ok(l.startsWith(`${file}:`) && /:\d+:\d+: /.test(l), `${where}: ${l}`);
    }
  }
});
