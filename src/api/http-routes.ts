/**
 * The HTTP adapters' route table: what the server dispatches on and what config/examples/ must
 * point at (test/api/examples.test.ts checks the examples against this table).
 */

/** Flagger webhook types loopgate answers, by the `type` a Canary's webhook spec gives them. */
export const FLAGGER_HOOKS = ['confirm-rollout', 'pre-rollout', 'rollout', 'confirm-traffic-increase', 'confirm-promotion', 'rollback'] as const;
export type FlaggerHook = (typeof FLAGGER_HOOKS)[number];

export const FLAGGER_PREFIX = '/flagger/';
export const ARGO_EVALUATE_PATH = '/argo/v1/evaluate';

export type Route = { kind: 'flagger'; hook: FlaggerHook; methods: readonly string[] } | { kind: 'argo'; methods: readonly string[] };

/** Every path the adapters serve, with the methods each accepts. */
export const ADAPTER_ROUTES: ReadonlyMap<string, Route> = new Map<string, Route>([
  ...FLAGGER_HOOKS.map((hook) => [`${FLAGGER_PREFIX}${hook}`, { kind: 'flagger', hook, methods: ['POST'] }] as const),
  [ARGO_EVALUATE_PATH, { kind: 'argo', methods: ['GET', 'POST'] }],
]);

export function flaggerPath(hook: FlaggerHook): string {
  return `${FLAGGER_PREFIX}${hook}`;
}
