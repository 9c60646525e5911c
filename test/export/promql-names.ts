/** The Grafana dashboard's PromQL expressions and the metric names they use (for the name checks). */
import { readFileSync } from 'node:fs';
import { repoRoot } from '../helpers/cli.ts';

export const dashboardPath = `${repoRoot}config/grafana/loopgate-dashboard.json`;

interface Panel {
  title: string;
  targets?: Array<{ expr: string }>;
  panels?: Panel[];
}

export function dashboardExpressions(): Array<{ panel: string; expr: string }> {
  const dash = JSON.parse(readFileSync(dashboardPath, 'utf8')) as { panels: Panel[]; templating: { list: Array<{ name: string; definition?: string }> } };
  const out: Array<{ panel: string; expr: string }> = [];
  const walk = (ps: Panel[]): void => {
    for (const p of ps) {
      for (const t of p.targets ?? []) out.push({ panel: p.title, expr: t.expr });
      walk(p.panels ?? []);
    }
  };
  walk(dash.panels);
  for (const v of dash.templating.list) {
    const m = /^label_values\(([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(v.definition ?? '');
    if (m) out.push({ panel: `variable ${v.name}`, expr: m[1]! });
  }
  return out;
}

const keywords = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'le', 'inf', 'nan']);

/** Metric names in a PromQL expression: identifiers that are not functions, keywords, labels or strings. */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // strings
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // range selectors
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ''); // grouping labels
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)) {
    const id = m[1]!;
    if (!keywords.has(id.toLowerCase())) names.add(id);
  }
  return [...names];
}
