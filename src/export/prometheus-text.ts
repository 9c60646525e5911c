/**
 * Prometheus text exposition (0.0.4) of OpenTelemetry ResourceMetrics, line for line what the stock
 * @opentelemetry/exporter-prometheus PrometheusSerializer writes (same names, _total for monotonic
 * sums, no unit suffix, otel_scope_* labels, target_info), but fast: the label text of an
 * attributes object is built once and cached by object identity (the signal producer reuses its
 * attribute objects every collection), and the body is joined once. test/export/metrics-serializer
 * checks the equivalence.
 */
import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { DataPointType, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';

const escapeText = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabel = (v: AttributeValue | undefined): string => escapeText(typeof v === 'string' ? v : JSON.stringify(v ?? '')).replace(/"/g, '\\"');
const sanitize = (name: string): string => name.replace(/[^a-z0-9_]/gi, '_').replace(/_{2,}/g, '_');

function promName(m: MetricData): string {
  let name = sanitize(escapeText(m.descriptor.name));
  if (/^[0-9]/.test(name)) name = `_${name}`;
  if (m.dataPointType === DataPointType.SUM && m.isMonotonic && !name.endsWith('_total')) name += '_total';
  return name;
}

function promType(m: MetricData): string {
  if (m.dataPointType === DataPointType.SUM) return m.isMonotonic ? 'counter' : 'gauge';
  if (m.dataPointType === DataPointType.GAUGE) return 'gauge';
  if (m.dataPointType === DataPointType.HISTOGRAM) return 'histogram';
  return 'untyped';
}

function labelText(attrs: Attributes): string {
  let out = '';
  for (const [k, v] of Object.entries(attrs)) out += `${out ? ',' : ''}${sanitize(k)}="${escapeLabel(v)}"`;
  return out;
}

function num(v: number): string {
  return v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : `${v}`;
}

export class PrometheusText {
  /** attributes object -> its label text (weak: dropped with the object). */
  private labels = new WeakMap<Attributes, string>();

  serialize(rm: ResourceMetrics): string {
    const families = new Map<string, { type: string; help: string; unit: string; items: Array<{ m: MetricData; scope: string }>; dropped: boolean }>();
    for (const sm of rm.scopeMetrics) {
      const scope = `otel_scope_name="${escapeLabel(sm.scope.name)}"${sm.scope.schemaUrl ? `,otel_scope_schema_url="${escapeLabel(sm.scope.schemaUrl)}"` : ''}${sm.scope.version ? `,otel_scope_version="${escapeLabel(sm.scope.version)}"` : ''}`;
      for (const m of sm.metrics) {
        const name = promName(m);
        const type = promType(m);
        const f = families.get(name);
        if (!f) families.set(name, { type, help: m.descriptor.description, unit: m.descriptor.unit, items: [{ m, scope }], dropped: false });
        else if (f.type !== type) f.dropped = true; // as the stock serializer: conflicting TYPE drops the family
        else {
          f.items.push({ m, scope });
          f.help ||= m.descriptor.description;
          f.unit ||= m.descriptor.unit;
        }
      }
    }
    const parts: string[] = [`# HELP target_info Target metadata\n# TYPE target_info gauge\ntarget_info{${labelText(rm.resource.attributes)}} 1\n`];
    let any = false;
    for (const [name, f] of families) {
      if (f.dropped) continue;
      let head = `# HELP ${name} ${escapeText(f.help || 'description missing')}${f.unit ? `\n# UNIT ${name} ${escapeText(f.unit)}` : ''}\n# TYPE ${name} ${f.type}\n`;
      for (const { m, scope } of f.items) {
        const body = this.points(name, m, scope);
        if (!body) continue;
        parts.push(head, body, '\n');
        head = '';
        any = true;
      }
    }
    if (!any) parts.push('# no registered metrics');
    return parts.join('');
  }

  private label(attrs: Attributes, scope: string): string {
    let text = this.labels.get(attrs);
    if (text === undefined) {
      text = labelText(attrs);
      this.labels.set(attrs, text);
    }
    return text ? `${text},${scope}` : scope;
  }

  private points(name: string, m: MetricData, scope: string): string {
    let out = '';
    if (m.dataPointType === DataPointType.GAUGE || m.dataPointType === DataPointType.SUM) {
      for (const p of m.dataPoints) out += `${name}{${this.label(p.attributes, scope)}} ${num(p.value)}\n`;
    } else if (m.dataPointType === DataPointType.HISTOGRAM) {
      for (const p of m.dataPoints) {
        const l = this.label(p.attributes, scope);
        const h = p.value;
        out += `${name}_count{${l}} ${num(h.count)}\n`;
        if (h.sum !== undefined) out += `${name}_sum{${l}} ${num(h.sum)}\n`;
        let cumulative = 0;
        let infSeen = false;
        for (let i = 0; i < h.buckets.counts.length; i++) {
          cumulative += h.buckets.counts[i]!;
          const ub = h.buckets.boundaries[i];
          if (ub === undefined && infSeen) break;
          if (ub === Infinity) infSeen = true;
          out += `${name}_bucket{${l},le="${ub === undefined || ub === Infinity ? '+Inf' : String(ub)}"} ${cumulative}\n`;
        }
      }
    }
    return out.trimEnd();
  }
}
