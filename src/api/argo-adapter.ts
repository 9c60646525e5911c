/**
 * Argo Rollouts' web metric provider -> the gate. GET with a query or POST with a JSON body:
 *   zone (or zones): "hall-a" / "hall-a,hall-b" / ["hall-a"]   (absent: every zone)
 *   weight: the proposed canary weight (required)
 *   current_weight: the weight in force, e.g. {{args.current-weight}} from
 *                   status.canary.weights.canary.weight (absent: 0, the most cautious reading)
 *   rollout: "namespace/name" or {namespace, name} (required); revision: the canary's hash
 * Every evaluation answers 200 with the verdict in JSON: Argo counts any non-2xx as an Error of the
 * measurement, not a failed one, so a HOLD or DENY must be a 200 that successCondition
 * `result.allow == true` reads. Only malformed requests get a 4xx.
 */
import type { DecisionContext } from '../gate/decision-log.ts';
import type { GateEngine } from '../gate/engine.ts';
import { GateRequestError } from '../gate/request.ts';
import { decisionJson, type DecisionJson } from './decision-json.ts';

export interface ArgoQuery {
  zones: string[];
  weight: number;
  current_weight: number;
  rollout: { namespace: string; name: string };
  revision: string;
  dry_run: boolean;
}

/** Query parameters and body fields merged (the body wins). */
export function parseArgoQuery(query: URLSearchParams, body: Record<string, unknown> | undefined): ArgoQuery {
  const get = (k: string): unknown => (body && body[k] !== undefined ? body[k] : (query.get(k) ?? undefined));
  const zonesRaw = get('zones') ?? get('zone');
  let zones: string[] = [];
  if (Array.isArray(zonesRaw)) {
    zones = zonesRaw.map((z, i) => {
      if (typeof z !== 'string') throw new GateRequestError(`zones[${i}]`, 'expected a zone id');
      return z;
    });
  } else if (typeof zonesRaw === 'string') zones = zonesRaw.split(/[\s,]+/).filter((z) => z !== '');
  else if (zonesRaw !== undefined) throw new GateRequestError('zone', 'expected a zone id, a comma-separated list or an array');
  const weight = pct('weight', get('weight'), true)!;
  const current = pct('current_weight', get('current_weight'), false) ?? 0;
  return { zones, weight, current_weight: current, rollout: rolloutOf(get('rollout')), revision: textOf('revision', get('revision')), dry_run: get('dry_run') === true || get('dry_run') === 'true' };
}

export function argoEvaluate(engine: GateEngine, q: ArgoQuery, ctx: DecisionContext): DecisionJson {
  const d = engine.evaluate({ rollout: q.rollout, canary_revision: q.revision, zones: q.zones, current_weight: q.current_weight, proposed_weight: q.weight, request_id: '', dry_run: q.dry_run }, ctx);
  return decisionJson(d);
}

function pct(field: string, v: unknown, required: boolean): number | undefined {
  if (v === undefined || v === null || v === '') {
    if (required) throw new GateRequestError(field, 'required (0-100)');
    return undefined;
  }
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN;
  if (!Number.isFinite(n)) throw new GateRequestError(field, `expected a number 0-100, found ${JSON.stringify(v)}`);
  if (n < 0 || n > 100) throw new GateRequestError(field, `expected 0-100, found ${n}`);
  return n;
}

function rolloutOf(v: unknown): { namespace: string; name: string } {
  if (typeof v === 'string') {
    const m = /^([^/\s]+)\/([^/\s]+)$/.exec(v);
    if (!m) throw new GateRequestError('rollout', `expected "namespace/name", found ${JSON.stringify(v)}`);
    return { namespace: m[1]!, name: m[2]! };
  }
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const r = v as Record<string, unknown>;
    return { namespace: textOf('rollout.namespace', r['namespace']), name: textOf('rollout.name', r['name']) };
  }
  throw new GateRequestError('rollout', 'required ("namespace/name" or {namespace, name})');
}

function textOf(field: string, v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new GateRequestError(field, 'expected a string');
  return v;
}
