/** Turns zod issues into config problems that say what was expected and what was found. */
import type { z } from 'zod';
import { closest, describeFound, type ConfigProblem, type PathSegment, type SourceMap } from './problems.ts';

type AnySchema = z.core.$ZodType;

export function issuesToProblems(issues: readonly z.core.$ZodIssue[], data: unknown, schema: AnySchema, src: SourceMap): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((p): p is PathSegment => typeof p !== 'symbol');
    const found = valueAt(data, path);
    switch (issue.code) {
      case 'unrecognized_keys': {
        const known = keysAt(schema, path);
        for (const key of issue.keys) {
          const hint = closest(key, known);
          const expected = known.length > 0 ? `expected one of ${known.join(', ')}` : 'expected no such key';
          out.push(src.problem(path, `unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}; ${expected}`, key));
        }
        break;
      }
      case 'invalid_type':
        out.push(src.problem(path, `expected ${issue.expected}, found ${describeFound(found)}`));
        break;
      case 'invalid_value':
        out.push(src.problem(path, `expected ${issue.values.map((v) => JSON.stringify(v)).join(' | ')}, found ${describeFound(found)}`));
        break;
      case 'invalid_union': {
        const disc = discriminatorProblem(schema, path, found);
        const expected = issue.message.replace(/^Invalid discriminator value\. Expected /, '').replace(/^Invalid input/, 'a valid value');
        out.push(disc ? src.problem([...path, disc.key], disc.message) : src.problem(path, `expected ${expected}, found ${describeFound(found)}`));
        break;
      }
      case 'too_small':
      case 'too_big': {
        const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
        const cmp = issue.code === 'too_small' ? (issue.inclusive === false ? '>' : '>=') : issue.inclusive === false ? '<' : '<=';
        const what = issue.origin === 'array' ? 'a list with length' : issue.origin === 'string' ? 'a string with length' : 'a number';
        out.push(src.problem(path, `expected ${what} ${cmp} ${String(bound)}, found ${describeFound(found)}`));
        break;
      }
      default:
        out.push(src.problem(path, `expected ${issue.message.replace(/^Invalid input: /, '')}, found ${describeFound(found)}`));
    }
  }
  return out;
}

export function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let cur: unknown = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

/** The keys the schema allows for the object at `path` (all union options together). */
export function keysAt(schema: AnySchema, path: readonly PathSegment[]): string[] {
  const keys = new Set<string>();
  for (const n of schemasAt(schema, path).flatMap((s) => unwrap(s, true))) {
    const def = defOf(n);
    if (def['type'] === 'object') for (const k of Object.keys(def['shape'] as object)) keys.add(k);
  }
  return [...keys];
}

function defOf(schema: AnySchema): Record<string, unknown> {
  return schema._zod.def as unknown as Record<string, unknown>;
}

/** The schemas that validate the value at `path`, wrappers (optional, default) still on. */
function schemasAt(schema: AnySchema, path: readonly PathSegment[]): AnySchema[] {
  let nodes: AnySchema[] = [schema];
  for (const seg of path) {
    const next: AnySchema[] = [];
    for (const n of nodes.flatMap((s) => unwrap(s, true))) {
      const def = defOf(n);
      if (def['type'] === 'object' && typeof seg === 'string') {
        const child = (def['shape'] as Record<string, AnySchema>)[seg];
        if (child) next.push(child);
      } else if (def['type'] === 'array' && typeof seg === 'number') {
        next.push(def['element'] as AnySchema);
      } else if (def['type'] === 'record' && typeof seg === 'string') {
        next.push(def['valueType'] as AnySchema);
      }
    }
    nodes = next;
  }
  return nodes;
}

function unwrap(schema: AnySchema, throughUnions: boolean): AnySchema[] {
  const def = defOf(schema);
  switch (def['type']) {
    case 'optional':
    case 'default':
    case 'prefault':
    case 'nullable':
    case 'readonly':
      return unwrap(def['innerType'] as AnySchema, throughUnions);
    case 'pipe':
      return unwrap(def['in'] as AnySchema, throughUnions);
    case 'union':
      return throughUnions ? (def['options'] as AnySchema[]).flatMap((o) => unwrap(o, true)) : [schema];
    default:
      return [schema];
  }
}

/** For a discriminated union that matched no option: which discriminator value was wrong. */
function discriminatorProblem(schema: AnySchema, path: readonly PathSegment[], found: unknown): { key: string; message: string } | undefined {
  if (found === null || typeof found !== 'object' || Array.isArray(found)) return undefined;
  for (const n of schemasAt(schema, path).flatMap((s) => unwrap(s, false))) {
    const def = defOf(n);
    const key = def['discriminator'];
    if (def['type'] !== 'union' || typeof key !== 'string') continue;
    const values = (def['options'] as AnySchema[]).map((o) => {
      const lit = (defOf(o)['shape'] as Record<string, AnySchema>)[key];
      return lit ? (defOf(lit)['values'] as unknown[] | undefined)?.[0] : undefined;
    });
    const actual = (found as Record<string, unknown>)[key];
    return { key, message: `expected ${values.map((v) => JSON.stringify(v)).join(' | ')}, found ${describeFound(actual)}` };
  }
  return undefined;
}
