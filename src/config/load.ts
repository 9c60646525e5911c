/**
 * Reads, parses and validates the config file once, at the boundary, and freezes the result.
 * Every problem found is reported at once, each with file:line:column and YAML path.
 */
import { readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { LineCounter, parseDocument, visit, type Document } from 'yaml';
import { configSchema, type Config } from './schema.ts';
import { crossCheck } from './cross-check.ts';
import { ConfigError, SourceMap, YAML_OPTIONS, type ConfigProblem } from './problems.ts';
import { issuesToProblems } from './zod-issues.ts';

export function loadConfigFile(file: string): Config {
  let text: string;
  try {
    if (statSync(file).isDirectory()) throw new ConfigError([fileProblem(file, 'is a directory, expected a YAML file')]);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String((err as Error).message);
    throw new ConfigError([fileProblem(file, `cannot read config: ${why}`)]);
  }
  return parseConfig(text, file);
}

export function parseConfig(text: string, file = '<config>'): Config {
  const data = parseYaml(text, file);
  // Positions are found again from the text only when a problem is reported (SourceMap).
  const src = new SourceMap(file, text);
  if (data === null || data === undefined) {
    throw new ConfigError([{ file, line: 1, column: 1, path: '(root)', message: 'expected a mapping with site, buses, devices and zones, found an empty document' }]);
  }
  const parsed = configSchema.safeParse(data);
  if (!parsed.success) throw new ConfigError(byPlace(issuesToProblems(parsed.error.issues, data, configSchema, src)));
  const problems = crossCheck(parsed.data, src);
  if (problems.length > 0) throw new ConfigError(byPlace(problems));
  const gatewayId = parsed.data.gateway_id ?? sanitizeHostname(hostname());
  return deepFreeze({ ...parsed.data, gateway_id: gatewayId });
}

/**
 * The YAML as plain data. The positional Document stays local: it is garbage once the data is out
 * of it, before validation allocates (a 5,000-signal config: ~50 MB of nodes for 3 MB of data).
 */
function parseYaml(text: string, file: string): unknown {
  const lines = new LineCounter();
  const doc = parseDocument(text, { ...YAML_OPTIONS, lineCounter: lines });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return { file, line: pos.line, column: pos.col, path: '(yaml)', message: `not valid YAML: ${e.message.split('\n')[0]}` };
      }),
    );
  }
  return toData(doc, file, lines);
}

/**
 * The YAML library throws (not reports) for an alias to an undefined anchor and for alias bombs:
 * turn both into a placed ConfigError at the offending alias.
 */
function toData(doc: Document, file: string, lines: LineCounter): unknown {
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    let offset = 0;
    let unresolved: string | undefined;
    visit(doc, {
      Alias(_key, node) {
        if (node.resolve(doc) === undefined) {
          unresolved = node.source;
          offset = node.range?.[0] ?? 0;
          return visit.BREAK;
        }
        if (offset === 0) offset = node.range?.[0] ?? 0;
        return undefined;
      },
    });
    const pos = lines.linePos(offset);
    const message =
      unresolved !== undefined
        ? `not valid YAML: alias *${unresolved} refers to no anchor (&${unresolved} must come before it)`
        : `not valid YAML: ${(err as Error).message.includes('alias') ? 'aliases expand too far (more than 100 alias uses; a resource exhaustion guard)' : (err as Error).message}`;
    throw new ConfigError([{ file, line: pos.line, column: pos.col, path: '(yaml)', message }]);
  }
}

function byPlace(problems: ConfigProblem[]): ConfigProblem[] {
  return problems.sort((a, b) => a.line - b.line || a.column - b.column);
}

function fileProblem(file: string, message: string): ConfigProblem {
  return { file, line: 0, column: 0, path: '(file)', message };
}

function sanitizeHostname(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64);
  return clean === '' ? 'loopgate' : clean;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
