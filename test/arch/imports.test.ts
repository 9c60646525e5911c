/**
 * Imports flow one way (DESIGN.md): field -> signals -> {gate, export} -> api; nothing in the
 * daemon's path imports the simulator; and there are no import cycles.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { repoRoot } from '../helpers/cli.ts';

const src = join(repoRoot, 'src');

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

const files = walk(src);
const graph = new Map<string, string[]>();
for (const f of files) {
  const text = readFileSync(f, 'utf8');
  const deps = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)].map((m) => resolve(dirname(f), (m[1] ?? m[2])!));
  graph.set(f, deps);
}

const layerOf = (f: string): string => relative(src, f).split('/')[0]!.replace(/\.ts$/, '');
// Which top-level parts each part may import (besides itself). Files at src/ root are shared
// infrastructure (errors, log, lifecycle, readiness) unless listed here.
const allowed: Record<string, string[]> = {
  config: ['errors'],
  field: ['config', 'errors', 'lifecycle', 'log', 'runtime', 'readiness', 'liveness'],
  signals: ['field', 'config', 'errors', 'lifecycle', 'log'],
  gate: ['signals', 'field', 'config', 'errors', 'lifecycle', 'log', 'runtime', 'readiness'],
  export: ['signals', 'field', 'config', 'errors', 'lifecycle', 'log', 'runtime', 'readiness', 'version', 'http-builtin'],
  api: ['gate', 'signals', 'field', 'config', 'errors', 'lifecycle', 'log', 'runtime', 'readiness', 'version', 'http-builtin'],
};

test('imports flow one way between layers', () => {
  const bad: string[] = [];
  for (const [f, deps] of graph) {
    const from = layerOf(f);
    const ok = allowed[from];
    if (!ok) continue;
    for (const d of deps) {
      const to = layerOf(d);
      if (to !== from && !ok.includes(to)) bad.push(`${relative(repoRoot, f)} -> ${relative(repoRoot, d)}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('nothing outside src/sim and src/cli imports the simulator', () => {
  const bad = [...graph].flatMap(([f, deps]) => (['sim', 'cli'].includes(layerOf(f)) ? [] : deps.filter((d) => layerOf(d) === 'sim').map((d) => `${relative(repoRoot, f)} -> ${relative(repoRoot, d)}`)));
  assert.deepEqual(bad, []);
});

test('no import cycles', () => {
  const state = new Map<string, 'visiting' | 'done'>();
  const cycles: string[] = [];
  const visit = (f: string, stack: string[]): void => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'visiting') {
      cycles.push([...stack.slice(stack.indexOf(f)), f].map((p) => relative(src, p)).join(' -> '));
      return;
    }
    state.set(f, 'visiting');
    for (const d of graph.get(f) ?? []) if (graph.has(d)) visit(d, [...stack, f]);
    state.set(f, 'done');
  };
  for (const f of graph.keys()) visit(f, []);
  assert.deepEqual(cycles, []);
});
