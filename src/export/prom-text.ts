/**
 * OpenTelemetry ResourceMetrics -> Prometheus text exposition format 0.0.4. The same naming as
 * @opentelemetry/exporter-prometheus (dots -> underscores, `_total` on monotonic sums, no unit
 * suffix, target_info from the resource) without its per-point cost: the bytes of a series'
 * `name{labels} ` are built once and cached by the attribute object's identity (the signal
 * producer and the SDK's attribute maps hand out the same objects at every collection), and a
 * scrape copies them into one Buffer with the values.
 */
import type { Attributes } from '@opentelemetry/api';
import { DataPointType, type Histogram, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { ByteWriter } from './byte-writer.ts';
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

/** Serializes one collection into one string. */
export function serialize(rm: ResourceMetrics): string {
  return serializeToBuffer(rm).toString('utf8');
}

/** Series prefixes (`name{labels} ` as bytes) per metric name, cached by attribute identity. */
const prefixCache = new Map<string, WeakMap<Attributes, Buffer>>();

function prefix(name: string, attrs: Attributes): Buffer {
  let byAttrs = prefixCache.get(name);
  if (!byAttrs) prefixCache.set(name, (byAttrs = new WeakMap()));
  let b = byAttrs.get(attrs);
  if (!b) {
    const labels = labelText(attrs);
    b = Buffer.from(labels ? `${name}{${labels}} ` : `${name} `, 'utf8');
    byAttrs.set(attrs, b);
  }
  return b;
}

let lastSize = 64 * 1024;

/** The exposition as bytes: cached series prefixes plus the values, written into one Buffer. */
export function serializeToBuffer(rm: ResourceMetrics): Buffer {
  const w = new ByteWriter(lastSize + (lastSize >> 3));
  w.text(`# HELP target_info Target metadata\n# TYPE target_info gauge\ntarget_info${braces(labelText(rm.resource.attributes as Attributes))} 1\n`);
  for (const [name, list] of familiesOf(rm)) {
    const first = list[0]!;
    const help = first.descriptor.description || `${first.descriptor.name}${first.descriptor.unit ? ` (${first.descriptor.unit})` : ''}`;
    w.text(`# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${typeOf(first)}\n`);
    for (const m of list) {
      if (m.dataPointType === DataPointType.HISTOGRAM) {
        const lines: string[] = [];
        for (const p of m.dataPoints) histogramLines(lines, name, labelText(p.attributes), p.value);
        w.text(lines.join(''));
      } else if (m.dataPointType === DataPointType.SUM || m.dataPointType === DataPointType.GAUGE) {
        for (const p of m.dataPoints) {
          w.bytes(prefix(name, p.attributes));
          w.ascii(num(p.value));
          w.byte(10);
        }
      }
    }
  }
  const out = w.result();
  lastSize = out.length;
  return out;
}
