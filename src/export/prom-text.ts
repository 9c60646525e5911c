/**
 * OpenTelemetry ResourceMetrics -> Prometheus text exposition format 0.0.4. The same naming as
 * @opentelemetry/exporter-prometheus (dots -> underscores, `_total` on monotonic sums, no unit
 * suffix, target_info from the resource) without its per-point cost: the label text of an
 * attribute object is built once and cached by the object's identity (the signal producer and
 * the SDK's attribute maps hand out the same objects at every collection).
 */
import type { Attributes } from '@opentelemetry/api';
import { DataPointType, type Histogram, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { promName } from './metric-names.ts';

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

function histogramLines(name: string, labels: string, h: Histogram): string {
  let out = '';
  let cumulative = 0;
  const sep = labels ? `${labels},` : '';
  const { boundaries, counts } = h.buckets;
  for (let i = 0; i < counts.length; i++) {
    cumulative += counts[i] ?? 0;
    const le = i < boundaries.length ? num(boundaries[i]!) : '+Inf';
    out += `${name}_bucket{${sep}le="${le}"} ${cumulative}\n`;
  }
  out += `${name}_sum${braces(labels)} ${num(h.sum ?? 0)}\n${name}_count${braces(labels)} ${h.count}\n`;
  return out;
}

/** Serializes one collection. Metrics of one name from several scopes form one family. */
export function serialize(rm: ResourceMetrics): string {
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
  const parts: string[] = [];
  const target = labelText(rm.resource.attributes as Attributes);
  parts.push(`# HELP target_info Target metadata\n# TYPE target_info gauge\ntarget_info${braces(target)} 1\n`);
  for (const [name, list] of families) {
    const first = list[0]!;
    const help = first.descriptor.description || `${first.descriptor.name}${first.descriptor.unit ? ` (${first.descriptor.unit})` : ''}`;
    let out = `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${typeOf(first)}\n`;
    for (const m of list) {
      if (m.dataPointType === DataPointType.HISTOGRAM) {
        for (const p of m.dataPoints) out += histogramLines(name, labelText(p.attributes), p.value);
      } else if (m.dataPointType === DataPointType.SUM || m.dataPointType === DataPointType.GAUGE) {
        for (const p of m.dataPoints) {
          const labels = labelText(p.attributes);
          out += labels ? `${name}{${labels}} ${num(p.value)}\n` : `${name} ${num(p.value)}\n`;
        }
      }
    }
    parts.push(out);
  }
  return parts.join('');
}
