/**
 * Flagger webhooks -> the gate. Flagger POSTs {name, namespace, phase, checksum, metadata} and no
 * weight; the weight comes from FlaggerCanaries, the step from the webhook's metadata:
 *   zones: "hall-a,hall-b" (empty or absent: every zone)
 *   step_weight: "10", max_weight: "50"   or   step_weights: "5,10,20,40"
 * What each hook asks (w = the tracked weight; every hook answers 200 to proceed, 403 to halt):
 *   confirm-rollout           may the rollout start: w -> first step, dry run (nothing reserved)
 *   pre-rollout               captures the energy baseline: w -> w, observed by the gate
 *   rollout                   is the zone healthy at w: w -> w, observed (adds a power point)
 *   confirm-traffic-increase  the gate before each step: w -> next step; ALLOW advances w
 *   confirm-promotion         w -> 100 (the new revision takes all the traffic)
 *   rollback                  Flagger's meaning: 200 = roll back now, exactly when the gate says
 *                             DENY at w (a zone is over a limit); 403 = keep going
 */
import { GateRequestError } from '../gate/request.ts';
import type { DecisionContext } from '../gate/decision-log.ts';
import type { GateEngine } from '../gate/engine.ts';
import { decisionJson, type DecisionJson } from './decision-json.ts';
import type { FlaggerCanaries } from './flagger-canaries.ts';
import type { FlaggerHook } from './http-routes.ts';

export interface FlaggerPayload {
  name: string;
  namespace: string;
  phase: string;
  checksum: string;
  metadata: Record<string, string>;
}

export interface FlaggerAnswer {
  status: 200 | 403;
  body: { hook: FlaggerHook; proceed: boolean; canary: { namespace: string; name: string; checksum: string; weight: number }; message: string; decision: DecisionJson };
}

export function parseFlaggerPayload(body: Record<string, unknown> | undefined): FlaggerPayload {
  if (!body) throw bad('body', 'required: Flagger\'s JSON payload {name, namespace, phase, checksum, metadata}');
  const str = (k: string, required: boolean): string => {
    const v = body[k];
    if (v === undefined || v === null) {
      if (required) throw bad(k, 'required');
      return '';
    }
    if (typeof v !== 'string') throw bad(k, `expected a string, found ${typeof v}`);
    return v;
  };
  const metadata: Record<string, string> = {};
  const m = body['metadata'];
  if (m !== undefined && m !== null) {
    if (typeof m !== 'object' || Array.isArray(m)) throw bad('metadata', 'expected an object of strings');
    for (const [k, v] of Object.entries(m)) {
      if (typeof v !== 'string') throw bad(`metadata.${k}`, `expected a string (Flagger metadata is a string map), found ${typeof v}`);
      metadata[k] = v;
    }
  }
  const name = str('name', true);
  const namespace = str('namespace', true);
  if (name === '') throw bad('name', 'required');
  if (namespace === '') throw bad('namespace', 'required');
  return { name, namespace, phase: str('phase', false), checksum: str('checksum', false), metadata };
}

export function flaggerHook(engine: GateEngine, canaries: FlaggerCanaries, hook: FlaggerHook, p: FlaggerPayload, ctx: DecisionContext, now: number): FlaggerAnswer {
  const zones = zonesOf(p.metadata);
  const { state, replaced } = canaries.get(p.namespace, p.name, p.checksum, now);
  if (replaced) engine.release({ rollout: { namespace: p.namespace, name: p.name }, zones: [], reason: 'aborted' }, ctx);
  const w = state.weight;
  const ask = (proposed: number, dryRun: boolean) =>
    engine.evaluate({ rollout: { namespace: p.namespace, name: p.name }, canary_revision: p.checksum, zones, current_weight: w, proposed_weight: proposed, request_id: '', dry_run: dryRun }, ctx);
  let d;
  let proceed: boolean;
  let message: string;
  switch (hook) {
    case 'confirm-rollout': {
      const next = nextWeight(p.metadata, w) ?? w;
      d = ask(next, true);
      proceed = d.verdict === 'VERDICT_ALLOW';
      message = proceed ? `room for the first step to ${next} %` : `no room to start: ${summary(d)}`;
      break;
    }
    case 'pre-rollout':
    case 'rollout':
      d = ask(w, false);
      proceed = d.verdict === 'VERDICT_ALLOW';
      message = proceed ? (hook === 'pre-rollout' ? `baseline captured at ${w} %` : `healthy at ${w} %`) : `not healthy at ${w} %: ${summary(d)}`;
      break;
    case 'confirm-traffic-increase': {
      const next = nextWeight(p.metadata, w);
      if (next === undefined) throw bad('metadata.step_weight', 'required for confirm-traffic-increase (or metadata.step_weights); Flagger sends no weight');
      d = ask(next, false);
      proceed = d.verdict === 'VERDICT_ALLOW';
      if (proceed) canaries.advance(state, next);
      message = proceed ? `step ${w} -> ${next} % allowed` : `step ${w} -> ${next} % not allowed: ${summary(d)}`;
      break;
    }
    case 'confirm-promotion':
      d = ask(100, false);
      proceed = d.verdict === 'VERDICT_ALLOW';
      message = proceed ? `promotion (${w} -> 100 %) allowed` : `promotion not allowed: ${summary(d)}`;
      break;
    case 'rollback':
      d = ask(w, true);
      // Inverted: 200 tells Flagger to roll back now.
      proceed = d.verdict === 'VERDICT_DENY';
      message = proceed ? `roll back: ${summary(d)}` : `no rollback: no zone over a limit at ${w} %`;
      break;
  }
  return { status: proceed ? 200 : 403, body: { hook, proceed, canary: { namespace: p.namespace, name: p.name, checksum: p.checksum, weight: state.weight }, message, decision: decisionJson(d) } };
}

/** metadata.zones: comma- or space-separated zone ids; none -> every zone. */
export function zonesOf(meta: Record<string, string>): string[] {
  return (meta['zones'] ?? meta['zone'] ?? '').split(/[\s,]+/).filter((z) => z !== '');
}

/** The weight after `w`: the next of step_weights, else w + step_weight capped at max_weight (default 100). */
export function nextWeight(meta: Record<string, string>, w: number): number | undefined {
  if (meta['step_weights'] !== undefined) {
    const steps = meta['step_weights'].split(/[\s,]+/).filter((s) => s !== '').map((s, i) => pct(`metadata.step_weights[${i}]`, s));
    return steps.find((s) => s > w) ?? Math.max(w, ...steps);
  }
  if (meta['step_weight'] === undefined) return undefined;
  const step = pct('metadata.step_weight', meta['step_weight']);
  if (step <= 0) throw bad('metadata.step_weight', `expected a weight above 0, found ${step}`);
  const max = meta['max_weight'] === undefined ? 100 : pct('metadata.max_weight', meta['max_weight']);
  return Math.max(w, Math.min(w + step, max));
}

function pct(field: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw bad(field, `expected a number 0-100, found "${text}"`);
  if (n < 0 || n > 100) throw bad(field, `expected 0-100, found ${n}`);
  return n;
}

function summary(d: { verdict: string; reasons: { message: string; verdict: string }[] }): string {
  const firing = d.reasons.filter((r) => r.verdict === d.verdict);
  return (firing.length ? firing : d.reasons).map((r) => r.message).join('; ') || d.verdict.replace(/^VERDICT_/, '');
}

function bad(field: string, message: string): GateRequestError {
  return new GateRequestError(field, message);
}
