/**
 * Config problems carry their place: the file, the line and column in it, and the YAML path, so an
 * operator can go straight to the mistake.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { LoopgateError } from '../errors.ts';

export type PathSegment = string | number;

export interface ConfigProblem {
  file: string;
  line: number;
  column: number;
  /** e.g. `devices[2].signals[0].type`; `(root)` for the document itself. */
  path: string;
  message: string;
}

export class ConfigError extends LoopgateError {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    const n = problems.length;
    super('LG_CONFIG_INVALID', `invalid config (${n} problem${n === 1 ? '' : 's'}):\n${problems.map(formatProblem).join('\n')}`);
    this.problems = problems;
  }
}

export function formatProblem(p: ConfigProblem): string {
  const place = p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file;
  return `${place}: ${p.path}: ${p.message}`;
}

export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out === '' ? '(root)' : out;
}

/** The options every parse of a config uses (the first one, and SourceMap's re-parse). */
export const YAML_OPTIONS = { prettyErrors: false, uniqueKeys: true, strict: true } as const;

/**
 * Finds where a YAML path sits in the source, walking as deep as the document goes. It keeps the
 * text, not the positional Document: a valid config never asks for a position, so the Document
 * (several times the size of the data for a large config) is built again only when a problem is
 * reported, and the one the first parse built is garbage as soon as the data is out of it.
 */
export class SourceMap {
  readonly file: string;
  private readonly text: string | undefined;
  private parsed: { doc: Document; lines: LineCounter } | undefined;

  constructor(file: string, text?: string) {
    this.file = file;
    this.text = text;
  }

  /**
   * Position of the node at `path`; with `keyOf` the position of that key inside the mapping at
   * `path` (unknown keys). Falls back to the deepest existing ancestor.
   */
  locate(path: readonly PathSegment[], keyOf?: string): { line: number; column: number } {
    if (this.text === undefined) return { line: 0, column: 0 };
    if (!this.parsed) {
      const lines = new LineCounter();
      this.parsed = { doc: parseDocument(this.text, { ...YAML_OPTIONS, lineCounter: lines }), lines };
    }
    const { doc, lines } = this.parsed;
    let node: unknown = doc.contents;
    let offset = rangeStart(node) ?? 0;
    const segs = keyOf === undefined ? path : [...path, keyOf];
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i];
      const isLastKey = keyOf !== undefined && i === segs.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && it.key.value === seg);
        if (!pair) break;
        const keyStart = rangeStart(pair.key);
        if (isLastKey || pair.value === null || pair.value === undefined) {
          if (keyStart !== undefined) offset = keyStart;
          break;
        }
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg];
        if (item === undefined) break;
        node = item;
      } else {
        break;
      }
      offset = rangeStart(node) ?? offset;
    }
    const pos = lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  }

  problem(path: readonly PathSegment[], message: string, keyOf?: string): ConfigProblem {
    const { line, column } = this.locate(path, keyOf);
    const fullPath = keyOf === undefined ? path : [...path, keyOf];
    return { file: this.file, line, column, path: formatPath(fullPath), message };
  }
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return Array.isArray(range) ? range[0] : undefined;
}

/** A short rendering of what was found, for "expected X, found Y". */
export function describeFound(value: unknown): string {
  if (value === undefined) return 'nothing (the key is missing)';
  if (value === null) return 'null (an empty value)';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)}`;
  return `${typeof value} ${String(value)}`;
}

/** Closest candidate by edit distance, for "did you mean"; undefined when nothing is close. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDist = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}
