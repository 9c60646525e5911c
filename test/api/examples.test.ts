/**
 * config/examples/: the Flagger Canary, the Argo Rollouts Rollout + AnalysisTemplate and the Istio
 * split parse, carry the fields those controllers require, and point at routes the HTTP adapters
 * serve (the adapters' own route table) with the parameters the adapters read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { nextWeight, zonesOf } from '../../src/api/flagger-adapter.ts';
import { ADAPTER_ROUTES, ARGO_EVALUATE_PATH, FLAGGER_HOOKS, flaggerPath } from '../../src/api/http-routes.ts';
import { loadConfigFile } from '../../src/config/load.ts';
import { repoRoot } from '../helpers/cli.ts';

type Doc = Record<string, any>;
const load = (name: string): Doc[] =>
  parseAllDocuments(readFileSync(join(repoRoot, 'config/examples', name), 'utf8')).map((d) => {
    assert.deepEqual(d.errors, [], `${name}: ${d.errors.map((e) => e.message).join('; ')}`);
    return d.toJS() as Doc;
  });
const demoZones = loadConfigFile(join(repoRoot, 'config/demo.yaml')).zones.map((z) => z.id);

test('Flagger Canary: every gating hook of loopgate, URLs on the adapter routes, metadata the adapter reads', () => {
  const [canary] = load('flagger-canary.yaml');
  assert.equal(canary!['apiVersion'], 'flagger.app/v1beta1');
  assert.equal(canary!['kind'], 'Canary');
  assert.ok(canary!['metadata'].name && canary!['metadata'].namespace);
  assert.ok(canary!['spec'].targetRef?.kind && canary!['spec'].targetRef?.name, 'targetRef');
  assert.ok(canary!['spec'].service?.port, 'service.port');
  const a = canary!['spec'].analysis;
  for (const k of ['interval', 'threshold', 'stepWeight', 'maxWeight']) assert.ok(a[k] !== undefined, `analysis.${k}`);
  const hooks = a.webhooks as Doc[];
  assert.deepEqual(hooks.map((h) => h['type']).sort(), [...FLAGGER_HOOKS].sort(), 'one webhook per hook loopgate answers');
  for (const h of hooks) {
    assert.ok(h['name'], 'webhook name');
    const url = new URL(h['url']);
    assert.equal(url.pathname, flaggerPath(h['type']), `${h['name']}: url path matches its type`);
    assert.equal(ADAPTER_ROUTES.get(url.pathname)?.kind, 'flagger');
    assert.match(h['timeout'], /^\d+s$/);
    // Flagger metadata is a string map; loopgate reads zones and the step from it.
    for (const [k, v] of Object.entries(h['metadata'] as Doc)) assert.equal(typeof v, 'string', `${h['name']}.metadata.${k} must be a string`);
    for (const z of zonesOf(h['metadata'])) assert.ok(demoZones.includes(z), `zone ${z}`);
    assert.equal(Number(h['metadata'].step_weight), a.stepWeight, `${h['name']}: step_weight repeats analysis.stepWeight`);
    assert.equal(Number(h['metadata'].max_weight), a.maxWeight, `${h['name']}: max_weight repeats analysis.maxWeight`);
    assert.equal(nextWeight(h['metadata'], a.maxWeight - a.stepWeight), a.maxWeight);
  }
});

test('Argo AnalysisTemplate + Rollout: web provider on the adapter route, successCondition result.allow, current weight from status', () => {
  const docs = load('argo-rollout.yaml');
  const tpl = docs.find((d) => d['kind'] === 'AnalysisTemplate')!;
  const ro = docs.find((d) => d['kind'] === 'Rollout')!;
  for (const d of [tpl, ro]) assert.equal(d['apiVersion'], 'argoproj.io/v1alpha1');
  const argNames = (tpl['spec'].args as Doc[]).map((x) => x['name']);
  const [m] = tpl['spec'].metrics as Doc[];
  assert.equal(m!['successCondition'], 'result.allow == true');
  const web = m!['provider'].web;
  assert.equal(web.jsonPath, '{$}');
  const url = new URL(web.url.replace(/\{\{args\.([a-z-]+)\}\}/g, 'ARG_$1'));
  assert.equal(url.pathname, ARGO_EVALUATE_PATH);
  assert.ok(ADAPTER_ROUTES.get(url.pathname)!.methods.includes(web.method ?? 'GET'));
  // The query carries exactly what the adapter reads, each from a declared arg.
  assert.deepEqual([...url.searchParams.keys()].sort(), ['current_weight', 'rollout', 'weight', 'zone']);
  for (const v of url.searchParams.values()) assert.ok(argNames.includes(v.replace(/^ARG_/, '')), `${v} is a declared arg`);
  assert.ok(ro['spec'].selector && ro['spec'].template, 'Rollout selector and template');
  const steps = ro['spec'].strategy.canary.steps as Doc[];
  const analyses = steps.filter((s) => s['analysis']);
  assert.ok(analyses.length > 0);
  for (const [i, s] of steps.entries()) {
    if (!s['analysis']) continue;
    assert.equal(s['analysis'].templates[0].templateName, tpl['metadata'].name);
    const args = Object.fromEntries((s['analysis'].args as Doc[]).map((x) => [x['name'], x]));
    assert.deepEqual(Object.keys(args).sort(), [...argNames].sort(), 'every template arg given');
    assert.equal(args['current-weight'].valueFrom.fieldRef.fieldPath, 'status.canary.weights.canary.weight');
    assert.ok(demoZones.includes(args['zone'].value));
    assert.match(args['rollout'].value, /^[^/]+\/[^/]+$/);
    // The analysis gates the setWeight right after it, with that weight.
    assert.equal(Number(args['weight'].value), steps[i + 1]?.['setWeight'], `analysis ${i} asks for the next setWeight`);
  }
  const tr = ro['spec'].strategy.canary.trafficRouting.istio;
  assert.ok(tr.virtualService.name && tr.destinationRule.canarySubsetName && tr.destinationRule.stableSubsetName);
});

test('Istio VirtualService/DestinationRule: a 95/5 split over subsets the DestinationRule defines', () => {
  const docs = load('istio-split.yaml');
  const vs = docs.find((d) => d['kind'] === 'VirtualService')!;
  const dr = docs.find((d) => d['kind'] === 'DestinationRule')!;
  for (const d of [vs, dr]) assert.match(d['apiVersion'], /^networking\.istio\.io\/v1(beta1|alpha3)?$/);
  const subsets = (dr['spec'].subsets as Doc[]).map((s) => s['name']);
  for (const route of vs['spec'].http as Doc[]) {
    const dests = route['route'] as Doc[];
    assert.equal(dests.reduce((s, d) => s + d['weight'], 0), 100, 'weights sum to 100');
    assert.deepEqual(dests.map((d) => d['weight']).sort((x, y) => x - y), [5, 95]);
    for (const d of dests) {
      assert.equal(d['destination'].host, dr['spec'].host);
      assert.ok(subsets.includes(d['destination'].subset), `subset ${d['destination'].subset} defined`);
    }
  }
  // The Argo Rollout's istio routing points at these objects.
  const ro = load('argo-rollout.yaml').find((d) => d['kind'] === 'Rollout')!;
  const tr = ro['spec'].strategy.canary.trafficRouting.istio;
  assert.equal(tr.virtualService.name, vs['metadata'].name);
  assert.ok(tr.virtualService.routes.every((r: string) => (vs['spec'].http as Doc[]).some((h) => h['name'] === r)));
  assert.equal(tr.destinationRule.name, dr['metadata'].name);
  assert.ok(subsets.includes(tr.destinationRule.canarySubsetName) && subsets.includes(tr.destinationRule.stableSubsetName));
});
