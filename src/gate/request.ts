/**
 * Validation of what callers send, shared by the gRPC server and the HTTP adapters: every problem
 * names the field and why (-> INVALID_ARGUMENT). The result is the normalized request the engine
 * evaluates.
 */
import { LoopgateError } from '../errors.ts';
import type { EvaluateRequest, ReleaseRequest } from './proto-types.ts';

export const MAX_NAME = 253;
export const MAX_ID = 128;
export const MAX_ZONES = 64;

export class GateRequestError extends LoopgateError {
  readonly field: string;
  constructor(field: string, message: string) {
    super('LG_GATE_INVALID_ARGUMENT', `${field}: ${message}`);
    this.field = field;
  }
}

/** The gate has no zone to protect: it cannot evaluate (-> FAILED_PRECONDITION). */
export class GateNoZonesError extends LoopgateError {
  constructor() {
    super('LG_GATE_NO_ZONES', 'no zones are configured on this gateway: nothing to evaluate against');
  }
}

export interface RolloutId {
  namespace: string;
  name: string;
}

export interface EvaluateInput {
  rollout: RolloutId;
  canary_revision: string;
  /** Resolved: the request's zones, or every zone. */
  zones: string[];
  current_weight: number;
  proposed_weight: number;
  request_id: string;
  dry_run: boolean;
}

export type EvaluateFields = Pick<EvaluateRequest, 'rollout' | 'canary_revision' | 'zones' | 'request_id' | 'dry_run'> & {
  current_weight?: number | undefined;
  proposed_weight?: number | undefined;
};

export function validateEvaluate(req: EvaluateFields, zoneIds: readonly string[]): EvaluateInput {
  const rollout = validateRollout(req.rollout);
  const canary_revision = text('canary_revision', req.canary_revision, MAX_ID);
  const request_id = text('request_id', req.request_id, MAX_ID);
  const zones = validateZones('zones', req.zones, zoneIds);
  const current_weight = weight('current_weight', req.current_weight);
  const proposed_weight = weight('proposed_weight', req.proposed_weight);
  return { rollout, canary_revision, zones, current_weight, proposed_weight, request_id, dry_run: req.dry_run === true };
}

export interface ReleaseInput {
  rollout: RolloutId;
  zones: string[];
  reason: string;
}

export function validateRelease(req: Pick<ReleaseRequest, 'rollout' | 'zones' | 'reason'>, zoneIds: readonly string[]): ReleaseInput {
  const rollout = validateRollout(req.rollout);
  const zones = req.zones.length === 0 ? [] : validateZones('zones', req.zones, zoneIds);
  return { rollout, zones, reason: text('reason', req.reason, 64) };
}

export function validateZones(field: string, zones: readonly string[] | undefined, zoneIds: readonly string[]): string[] {
  if (zones === undefined || zones.length === 0) {
    if (zoneIds.length === 0) throw new GateNoZonesError();
    return [...zoneIds];
  }
  if (zones.length > MAX_ZONES) throw new GateRequestError(field, `at most ${MAX_ZONES} zones, found ${zones.length}`);
  const out: string[] = [];
  zones.forEach((z, i) => {
    if (typeof z !== 'string' || z.length > 64) throw new GateRequestError(`${field}[${i}]`, 'expected a zone id of at most 64 characters');
    if (!zoneIds.includes(z)) throw new GateRequestError(`${field}[${i}]`, `unknown zone "${z}" (zones: ${zoneIds.join(', ') || 'none configured'})`);
    if (!out.includes(z)) out.push(z);
  });
  return out;
}

export function rolloutKey(r: RolloutId): string {
  return `${r.namespace}/${r.name}`;
}

function validateRollout(r: { namespace?: string; name?: string } | null | undefined): RolloutId {
  if (!r) throw new GateRequestError('rollout', 'required (namespace and name)');
  const namespace = text('rollout.namespace', r.namespace, MAX_NAME);
  const name = text('rollout.name', r.name, MAX_NAME);
  if (namespace === '') throw new GateRequestError('rollout.namespace', 'required');
  if (name === '') throw new GateRequestError('rollout.name', 'required');
  return { namespace, name };
}

function text(field: string, v: string | undefined, max: number): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new GateRequestError(field, 'expected a string');
  if (v.length > max) throw new GateRequestError(field, `at most ${max} characters, found ${v.length}`);
  if (/[\u0000-\u001f\u007f]/.test(v)) throw new GateRequestError(field, 'control characters are not allowed');
  return v;
}

function weight(field: string, v: number | undefined): number {
  if (v === undefined || v === null) throw new GateRequestError(field, 'required (0-100)');
  if (typeof v !== 'number' || Number.isNaN(v)) throw new GateRequestError(field, 'expected a number 0-100, found NaN');
  if (v < 0) throw new GateRequestError(field, `expected 0-100, found ${v} (negative)`);
  if (v > 100) throw new GateRequestError(field, `expected 0-100, found ${v} (over 100)`);
  return v;
}
