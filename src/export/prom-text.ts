/**
 * OpenTelemetry ResourceMetrics -> Prometheus text exposition format 0.0.4. The same naming as
 * @opentelemetry/exporter-prometheus (dots -> underscores, `_total` on monotonic sums, no unit
 * suffix, target_info from the resource) without its per-point cost: the bytes of a family's
 * `name{labels} ` prefixes are built once into a PrefixRun (prefix-run.ts) and a scrape copies
 * them, with the values, into one reusable ByteWriter.
 */
import type { Attributes } from '@opentelemetry/api';
import { DataPointType, type Histogram, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { ByteWriter } from './byte-writer.ts';
import { promName } from './metric-names.ts';
import { PrefixRun } from './prefix-run.ts';

export const contentType = 'text/plain; version=0.0.4; charset=utf-8';

const labelCache = new WeakMap<Attributes, string>();

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function labelName(key: string): string {
  const n = key.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(n) ? `_${n}` : n;
}

/** `a="x",b="y"` for an attribute object (no braces); cached by identity. */
export function labelText(attrs: Attributes): string {
  let s = labelCache.get(attrs);
  if (s !== undefined) return s;
  s = '';
  for (const key in attrs) {
    const v = attrs[key];
    if (v === undefined) continue;
    s += `${s ? ',' : ''}${labelName(key)}="${escapeLabel(typeof v === 'string' ? v : JSON.stringify(v))}"`;
  }
  labelCache.set(attrs, s);
  return s;
}

function num(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

const braces = (labels: string): string => (labels ? `{${labels}}` : '');

function typeOf(m: MetricData): string {
  if (m.dataPointType === DataPointType.SUM) return m.isMonotonic ? 'counter' : 'gauge';
  if (m.dataPointType === DataPointType.GAUGE) return 'gauge';
  if (m.dataPointType === DataPointType.HISTOGRAM) return 'histogram';
  return 'untyped';
}

function histogramLines(out: string[], name: string, labels: string, h: Histogram): void {
  let cumulative = 0;
  const sep = labels ? `${labels},` : '';
  const { boundaries, counts } = h.buckets;
  for (let i = 0; i < counts.length; i++) {
    cumulative += counts[i] ?? 0;
    const le = i < boundaries.length ? num(boundaries[i]!) : '+Inf';
    out.push(`${name}_bucket{${sep}le="${le}"} ${cumulative}\n`);
  }
  out.push(`${name}_sum${braces(labels)} ${num(h.sum ?? 0)}\n${name}_count${braces(labels)} ${h.count}\n`);
}

/** Metrics of one Prometheus name from several scopes form one family (same type only). */
function familiesOf(rm: ResourceMetrics): Map<string, MetricData[]> {
  const families = new Map<string, MetricData[]>();
  for (const sm of rm.scopeMetrics) {
    for (const m of sm.metrics) {
      if (m.dataPointType === DataPointType.EXPONENTIAL_HISTOGRAM) continue;
      const name = promName(m.descriptor.name, m.dataPointType === DataPointType.SUM && m.isMonotonic);
      const list = families.get(name);
      if (!list) families.set(name, [m]);
      else if (typeOf(list[0]!) === typeOf(m)) list.push(m);
    }
  }
  return families;
}

/** Serializes one collection into one string (a fresh serializer: tests and one-off use). */
export function serialize(rm: ResourceMetrics): string {
  return new PromTextSerializer().serialize(rm, new ByteWriter()).toString('utf8');
}

/** Departures from a family's run (series that appeared, vanished or moved) before it is rebuilt. */
const maxJumps = (points: number): number => 8 + (points >> 6);

/**
 * One per endpoint: keeps a PrefixRun per family between scrapes. Output is the same whether a
 * run hits or misses; a miss only costs a label lookup, and a family whose series changed gets a
 * new run for the next scrape.
 */
export class PromTextSerializer {
  private readonly runs = new Map<string, PrefixRun>();

  /** Writes the exposition of one collection into `w` (after what it holds) and returns w's bytes. */
  serialize(rm: ResourceMetrics, w: ByteWriter): Buffer {
    w.text(`# HELP target_info Target metadata\n# TYPE target_info gauge\ntarget_info${braces(labelText(rm.resource.attributes as Attributes))} 1\n`);
    for (const [name, list] of familiesOf(rm)) {
      const first = list[0]!;
      const help = first.descriptor.description || `${first.descriptor.name}${first.descriptor.unit ? ` (${first.descriptor.unit})` : ''}`;
      w.text(`# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${typeOf(first)}\n`);
      if (first.dataPointType === DataPointType.HISTOGRAM) {
        const lines: string[] = [];
        for (const m of list) if (m.dataPointType === DataPointType.HISTOGRAM) for (const p of m.dataPoints) histogramLines(lines, name, labelText(p.attributes), p.value);
        w.text(lines.join(''));
      } else {
        this.samples(w, name, list);
      }
    }
    return w.result();
  }

  /** `name{labels} value` lines of a gauge or sum family, prefixes copied from the family's run. */
  private samples(w: ByteWriter, name: string, list: MetricData[]): void {
    const run = this.runs.get(name);
    const runSize = run?.size ?? 0;
    let at = 0; // cursor into the run
    let n = 0;
    let jumps = 0;
    let unknown = 0;
    // This scrape's series order, recorded only once it departs from the run.
    let order: Attributes[] | undefined;
    for (const m of list) {
      if (m.dataPointType !== DataPointType.SUM && m.dataPointType !== DataPointType.GAUGE) continue;
      for (const p of m.dataPoints) {
        const a = p.attributes;
        if (at < runSize && run!.attrs[at] === a) {
          w.slice(run!.bytes, run!.offsets[at]!, run!.offsets[at + 1]!);
          at++;
        } else {
          order ??= run ? run.attrs.slice(0, n) : [];
          const pos = run?.find(a);
          if (pos !== undefined) {
            w.slice(run!.bytes, run!.offsets[pos]!, run!.offsets[pos + 1]!);
            at = pos + 1;
            jumps++;
          } else {
            w.text(seriesText(name, a));
            unknown++;
          }
        }
        order?.push(a);
        w.number(p.value);
        w.byte(10);
        n++;
      }
    }
    if (run && unknown === 0 && jumps <= maxJumps(n)) return;
    this.runs.set(name, PrefixRun.build(order ?? [], (a) => seriesText(name, a)));
  }
}

const seriesText = (name: string, a: Attributes): string => {
  const labels = labelText(a);
  return labels ? `${name}{${labels}} ` : `${name} `;
};
