/**
 * Seeded mutations of a YAML text: deleted lines, swapped values, random bytes, truncation, type
 * flips, duplicated keys, broken indentation. Same seed -> same mutants, so a failure reproduces.
 */
import { Prng } from '../../src/sim/prng.ts';

export const mutationKinds = ['delete_line', 'swap_values', 'random_bytes', 'truncate', 'type_flip', 'duplicate_line', 'indent', 'control_chars'] as const;
export type MutationKind = (typeof mutationKinds)[number];

export interface Mutant {
  seed: number;
  kinds: MutationKind[];
  text: string;
}

const flips = ['null', '~', '[]', '{}', '[1, 2]', '{ a: 1 }', 'true', 'no', '-1', '0', '1e309', '-0', '.nan', '.inf', '0x7fffffff', '9007199254740993', "''", '"\\u0000"', 'x'.repeat(300), '*nope', '&a [*a]', '!!binary AAAA', '2026-01-01'];

const valueLine = /^(\s*-?\s*[A-Za-z_]+:\s)(.+)$/;

function pick<T>(rng: Prng, items: readonly T[]): T {
  return items[Math.floor(rng.next() * items.length)]!;
}

function mutateOnce(text: string, kind: MutationKind, rng: Prng): string {
  const lines = text.split('\n');
  const at = Math.floor(rng.next() * lines.length);
  switch (kind) {
    case 'delete_line':
      lines.splice(at, 1 + Math.floor(rng.next() * 3));
      return lines.join('\n');
    case 'swap_values': {
      const idx = lines.flatMap((l, i) => (valueLine.test(l) ? [i] : []));
      if (idx.length < 2) return text;
      const a = pick(rng, idx);
      const b = pick(rng, idx);
      const ma = valueLine.exec(lines[a]!)!;
      const mb = valueLine.exec(lines[b]!)!;
      lines[a] = ma[1]! + mb[2]!;
      lines[b] = mb[1]! + ma[2]!;
      return lines.join('\n');
    }
    case 'random_bytes': {
      const pos = Math.floor(rng.next() * text.length);
      const n = 1 + Math.floor(rng.next() * 16);
      let junk = '';
      for (let i = 0; i < n; i++) junk += String.fromCharCode(Math.floor(rng.next() * 256));
      return text.slice(0, pos) + junk + text.slice(pos + (rng.next() < 0.5 ? n : 0));
    }
    case 'truncate':
      return text.slice(0, Math.floor(rng.next() * text.length));
    case 'type_flip': {
      const idx = lines.flatMap((l, i) => (valueLine.test(l) ? [i] : []));
      if (idx.length === 0) return text;
      const i = pick(rng, idx);
      lines[i] = valueLine.exec(lines[i]!)![1]! + pick(rng, flips);
      return lines.join('\n');
    }
    case 'duplicate_line':
      lines.splice(at, 0, lines[at] ?? '');
      return lines.join('\n');
    case 'indent':
      lines[at] = (rng.next() < 0.5 ? ' '.repeat(1 + Math.floor(rng.next() * 4)) : '\t') + (lines[at] ?? '');
      return lines.join('\n');
    case 'control_chars': {
      const pos = Math.floor(rng.next() * text.length);
      return text.slice(0, pos) + pick(rng, ['\u0000', '\u001b[2J', '\r', '\ufeff', '\ud800', '\u2028', '{{', ']]', '"', "'", '&', '*', '!', '%', '@', '`']) + text.slice(pos);
    }
  }
}

/** `count` mutants of `text`, each with 1-3 mutations, from seeds base..base+count-1. */
export function mutants(text: string, count: number, base = 1): Mutant[] {
  const out: Mutant[] = [];
  for (let s = base; s < base + count; s++) {
    const rng = new Prng(s * 2654435761);
    const n = 1 + Math.floor(rng.next() * 3);
    const kinds: MutationKind[] = [];
    let t = text;
    for (let i = 0; i < n; i++) {
      const k = mutationKinds[(s + i) % mutationKinds.length]!;
      kinds.push(k);
      t = mutateOnce(t, k, rng);
    }
    out.push({ seed: s, kinds, text: t });
  }
  return out;
}
