/**
 * The Flagger and Argo adapters over the wire: real HTTP requests (fetch) with the payloads those
 * controllers send, against the gate fixtures' plant (hall-a: 70 kW of a 100 kW budget, 1000 W and
 * 0.1 K per weight point -> power room for 30 points; trip point 33 Cel, max 35 Cel).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { once } from 'node:events';
import { MAX_BODY_BYTES } from '../../src/api/http-body.ts';
import { ADAPTER_ROUTES, FLAGGER_HOOKS } from '../../src/api/http-routes.ts';
import { plantConfig } from '../gate/fixtures.ts';
import { flaggerPayload, post, serveHttp } from './http-harness.ts';

const META = { zones: 'hall-a', step_weight: '10', max_weight: '50' };

test('confirm-traffic-increase: ALLOWs advance the tracked weight 0 -> 10 -> 20 -> 30, then 403 HOLD at the power budget', async (t) => {
  const s = await serveHttp(t);
  s.feed({});
  for (const w of [10, 20, 30]) {
    const r = await post(s.base, '/flagger/confirm-traffic-increase', flaggerPayload(META));
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json['proceed'], true);
    assert.equal(r.json['decision'].verdict, 'ALLOW');
    assert.equal(r.json['decision'].current_weight, w - 10);
    assert.equal(r.json['decision'].proposed_weight, w);
    assert.equal(r.json['canary'].weight, w);
    s.advance(1000);
    s.feed({ a_power: 70_000 + w * 1000 });
  }
  const held = await post(s.base, '/flagger/confirm-traffic-increase', flaggerPayload(META));
  assert.equal(held.status, 403);
  assert.equal(held.json['proceed'], false);
  assert.equal(held.json['decision'].verdict, 'HOLD');
  assert.equal(held.json['decision'].current_weight, 30);
  assert.equal(held.json['decision'].max_safe_weight, 30);
  assert.ok(held.json['decision'].reasons.some((r: { rule: string }) => r.rule === 'power'), JSON.stringify(held.json['decision'].reasons));
  assert.equal(held.json['canary'].weight, 30, 'a HOLD leaves the weight where it was');
  assert.equal(s.server.canaries.weightOf('shop', 'podinfo'), 30);
  // Each canary is tracked on its own.
  const other = await post(s.base, '/flagger/confirm-traffic-increase', flaggerPayload({ zones: 'hall-b', step_weights: '5,25,50' }, { name: 'cart' }));
  assert.equal(other.status, 200);
  assert.equal(other.json['decision'].proposed_weight, 5);
  assert.equal(s.server.canaries.weightOf('shop', 'podinfo'), 30);
});

test('a new checksum is a new rollout at weight 0 (and frees what the old revision reserved)', async (t) => {
  const s = await serveHttp(t);
  s.feed({});
  await post(s.base, '/flagger/confirm-traffic-increase', flaggerPayload(META, { checksum: 'aaa' }));
  await post(s.base, '/flagger/confirm-traffic-increase', flaggerPayload(META, { checksum: 'aaa' }));
  assert.equal(s.server.canaries.weightOf('shop', 'podinfo'), 20);
  assert.equal(s.engine.listZones().zones.find((z) => z.zone === 'hall-a')!.reserved_power, 20_000);
  const r = await post(s.base, '/flagger/confirm-traffic-increase', flaggerPayload(META, { checksum: 'bbb' }));
  assert.equal(r.status, 200);
  assert.equal(r.json['decision'].current_weight, 0);
  assert.equal(r.json['decision'].proposed_weight, 10);
  assert.equal(r.json['decision'].canary_revision, 'bbb');
  assert.equal(r.json['canary'].weight, 10);
  assert.equal(s.engine.listZones().zones.find((z) => z.zone === 'hall-a')!.reserved_power, 10_000, 'only the new revision\'s step is reserved');
});

test('rollback hook has Flagger\'s meaning: 200 exactly when a zone is over a limit at the current weight', async (t) => {
  const s = await serveHttp(t);
  s.feed({});
  const healthy = await post(s.base, '/flagger/rollback', flaggerPayload(META));
  assert.equal(healthy.status, 403);
  assert.equal(healthy.json['proceed'], false);
  assert.equal(healthy.json['decision'].verdict, 'ALLOW');
  // Tripped (34 Cel >= 33 trip point) is a HOLD, not a rollback.
  s.advance(1000);
  s.feed({ a_temp: 34 });
  const tripped = await post(s.base, '/flagger/rollback', flaggerPayload(META));
  assert.equal(tripped.status, 403);
  s.advance(1000);
  s.feed({ a_temp: 35.5 });
  const over = await post(s.base, '/flagger/rollback', flaggerPayload(META));
  assert.equal(over.status, 200);
  assert.equal(over.json['proceed'], true);
  assert.equal(over.json['decision'].verdict, 'DENY');
  assert.match(over.json['message'], /^roll back: a_temp at 35.5 Cel/);
  // The same state halts the gating hooks with 403 (never a 5xx).
  for (const hook of ['confirm-rollout', 'pre-rollout', 'rollout', 'confirm-traffic-increase', 'confirm-promotion']) {
    const r = await post(s.base, `/flagger/${hook}`, flaggerPayload(META));
    assert.equal(r.status, 403, hook);
    assert.equal(r.json['decision'].verdict, 'DENY', hook);
  }
});

test('confirm-rollout is a dry run of the first step; confirm-promotion asks for 100 %', async (t) => {
  const s = await serveHttp(t);
  s.feed({});
  const ok = await post(s.base, '/flagger/confirm-rollout', flaggerPayload(META, { phase: 'Initialized' }));
  assert.equal(ok.status, 200);
  assert.equal(ok.json['decision'].proposed_weight, 10);
  assert.equal(ok.json['decision'].dry_run, true);
  assert.equal(ok.json['canary'].weight, 0);
  assert.equal(s.engine.listZones().zones.find((z) => z.zone === 'hall-a')!.reserved_power, 0);
  // hall-a cannot take 100 % (power budget); hall-b can.
  const a = await post(s.base, '/flagger/confirm-promotion', flaggerPayload(META));
  assert.equal(a.status, 403);
  assert.equal(a.json['decision'].proposed_weight, 100);
  const b = await post(s.base, '/flagger/confirm-promotion', flaggerPayload({ zones: 'hall-b' }, { name: 'cart' }));
  assert.equal(b.status, 200, JSON.stringify(b.json));
  assert.equal(b.json['decision'].verdict, 'ALLOW');
});

test('pre-rollout captures the baseline; a canary costing 2x per weight point is then held by energy regression', async (t) => {
  const s = await serveHttp(t, plantConfig({ limits: { max_canary_power_ratio: 1.2 } }));
  s.feed({});
  const pre = await post(s.base, '/flagger/pre-rollout', flaggerPayload(META));
  assert.equal(pre.status, 200);
  assert.match(pre.json['message'], /baseline captured at 0 %/);
  assert.equal((await post(s.base, '/flagger/confirm-traffic-increase', flaggerPayload(META))).status, 200);
  // The canary at 10 % draws 20 kW more, not 10 kW: 2000 W per weight point.
  s.advance(1000);
  s.feed({ a_power: 90_000 });
  assert.equal((await post(s.base, '/flagger/rollout', flaggerPayload(META))).status, 200);
  const held = await post(s.base, '/flagger/confirm-traffic-increase', flaggerPayload(META));
  assert.equal(held.status, 403);
  const er = held.json['decision'].reasons.find((r: { rule: string }) => r.rule === 'energy_regression');
  assert.ok(er, JSON.stringify(held.json['decision'].reasons));
  assert.equal(er.observed, 2);
  assert.equal(s.server.canaries.weightOf('shop', 'podinfo'), 10);
});

test('Argo web metric: always 200 with {verdict, allow, max_safe_weight, retry_after_seconds, reasons}, GET query and POST JSON', async (t) => {
  const s = await serveHttp(t);
  s.feed({});
  const get = await fetch(`${s.base}/argo/v1/evaluate?zone=hall-a&weight=20&current_weight=0&rollout=shop/podinfo&revision=7c9`);
  assert.equal(get.status, 200);
  const allow = (await get.json()) as Record<string, any>;
  assert.equal(allow['verdict'], 'ALLOW');
  assert.equal(allow['allow'], true);
  assert.equal(allow['max_safe_weight'], 20);
  assert.equal(allow['retry_after_seconds'], 0);
  assert.deepEqual(allow['reasons'], []);
  assert.equal(allow['canary_revision'], '7c9');
  // 0 -> 20 reserved 20 kW; 20 -> 60 has room for 30.
  const hold = await post(s.base, '/argo/v1/evaluate', { zone: 'hall-a', weight: 60, current_weight: 20, rollout: 'shop/podinfo' });
  assert.equal(hold.status, 200);
  assert.equal(hold.json['verdict'], 'HOLD');
  assert.equal(hold.json['allow'], false);
  assert.equal(hold.json['max_safe_weight'], 30);
  assert.ok(hold.json['retry_after_seconds'] >= 1);
  assert.equal(hold.json['reasons'][0].rule, 'power');
  assert.equal(hold.json['reasons'][0].verdict, 'HOLD');
  s.advance(1000);
  s.feed({ a_power: 101_000 });
  const deny = await post(s.base, '/argo/v1/evaluate', { zones: ['hall-a'], weight: 30, current_weight: 20, rollout: { namespace: 'shop', name: 'podinfo' } });
  assert.equal(deny.status, 200);
  assert.equal(deny.json['verdict'], 'DENY');
  assert.equal(deny.json['allow'], false);
});

test('every decision is logged and counted like the gRPC path, with via flagger|argo', async (t) => {
  const s = await serveHttp(t);
  s.feed({});
  await post(s.base, '/flagger/confirm-traffic-increase', flaggerPayload(META));
  await fetch(`${s.base}/argo/v1/evaluate?zone=hall-a&weight=99&rollout=shop/x`).then((r) => r.arrayBuffer());
  const lines = s.logLines.filter((l) => l['event'] === 'gate_decision');
  assert.deepEqual(lines.map((l) => [l['via'], l['verdict'], l['rollout']]), [['flagger', 'allow', 'shop/podinfo'], ['argo', 'hold', 'shop/x']]);
  assert.match(String(lines[0]!['peer']), /^127\.0\.0\.1:\d+$/);
  assert.deepEqual(s.counts.map((c) => c.attrs), [{ 'loopgate.zone': 'hall-a', 'loopgate.verdict': 'allow' }, { 'loopgate.zone': 'hall-a', 'loopgate.verdict': 'hold' }]);
});

test('malformed requests: 400 naming the field or the JSON problem, 404, 405 with Allow, 413 over 64 KiB', async (t) => {
  const s = await serveHttp(t);
  s.feed({});
  const cases: { path: string; init: RequestInit; status: number; error: RegExp }[] = [
    { path: '/flagger/rollout', init: { method: 'POST', body: '{"name": "x",' }, status: 400, error: /^body is not valid JSON: / },
    { path: '/flagger/rollout', init: { method: 'POST', body: '[1]' }, status: 400, error: /body must be a JSON object, found an array/ },
    { path: '/flagger/rollout', init: { method: 'POST', body: '' }, status: 400, error: /^body: required/ },
    { path: '/flagger/rollout', init: { method: 'POST', body: JSON.stringify({ namespace: 'shop' }) }, status: 400, error: /^name: required/ },
    { path: '/flagger/rollout', init: { method: 'POST', body: JSON.stringify({ name: 'a', namespace: 'shop', metadata: { step_weight: 10 } }) }, status: 400, error: /^metadata\.step_weight: expected a string/ },
    { path: '/flagger/rollout', init: { method: 'POST', body: JSON.stringify(flaggerPayload({ zones: 'hall-z' })) }, status: 400, error: /^zones\[0\]: unknown zone "hall-z"/ },
    { path: '/flagger/confirm-traffic-increase', init: { method: 'POST', body: JSON.stringify(flaggerPayload({ zones: 'hall-a' })) }, status: 400, error: /^metadata\.step_weight: required for confirm-traffic-increase/ },
    { path: '/flagger/confirm-traffic-increase', init: { method: 'POST', body: JSON.stringify(flaggerPayload({ step_weight: 'ten' })) }, status: 400, error: /^metadata\.step_weight: expected a number 0-100, found "ten"/ },
    { path: '/argo/v1/evaluate?zone=hall-a&rollout=shop/x', init: { method: 'GET' }, status: 400, error: /^weight: required/ },
    { path: '/argo/v1/evaluate?zone=hall-a&rollout=shop/x&weight=101', init: { method: 'GET' }, status: 400, error: /^weight: expected 0-100, found 101/ },
    { path: '/argo/v1/evaluate?zone=hall-a&rollout=shop/x&weight=abc', init: { method: 'GET' }, status: 400, error: /^weight: expected a number 0-100, found "abc"/ },
    { path: '/argo/v1/evaluate?zone=hall-a&weight=10', init: { method: 'GET' }, status: 400, error: /^rollout: required/ },
    { path: '/argo/v1/evaluate', init: { method: 'POST', body: '{' }, status: 400, error: /^body is not valid JSON/ },
    { path: '/flagger/nope', init: { method: 'POST', body: '{}' }, status: 404, error: /^no route \/flagger\/nope/ },
    { path: '/', init: { method: 'GET' }, status: 404, error: /^no route \// },
    { path: '/flagger/rollback', init: { method: 'GET' }, status: 405, error: /^GET is not allowed on \/flagger\/rollback \(allowed: POST\)/ },
    { path: '/argo/v1/evaluate', init: { method: 'PUT', body: '{}' }, status: 405, error: /allowed: GET, POST/ },
  ];
  for (const c of cases) {
    const res = await fetch(`${s.base}${c.path}`, { ...c.init, headers: { 'content-type': 'application/json' } });
    const body = (await res.json()) as { error: string };
    assert.equal(res.status, c.status, `${c.init.method} ${c.path}: ${body.error}`);
    assert.match(body.error, c.error, `${c.init.method} ${c.path}`);
    if (c.status === 405) assert.ok(res.headers.get('allow'), 'Allow header');
  }
  // 413: declared too large, and streamed (chunked) past the bound.
  const big = JSON.stringify({ ...flaggerPayload(META), metadata: { ...META, pad: 'x'.repeat(MAX_BODY_BYTES) } });
  const declared = await fetch(`${s.base}/flagger/rollout`, { method: 'POST', body: big });
  assert.equal(declared.status, 413);
  assert.match(((await declared.json()) as { error: string }).error, /larger than 65536 bytes/);
  const req = request(`${s.base}/argo/v1/evaluate`, { method: 'POST', headers: { 'transfer-encoding': 'chunked' } });
  req.on('error', () => {});
  for (let i = 0; i < 20; i++) req.write('x'.repeat(8192));
  const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
  assert.equal(res.statusCode, 413);
  res.resume();
  req.destroy();
  assert.equal(s.logLines.filter((l) => l['event'] === 'gate_decision').length, 0, 'no malformed request reached the gate');
});

test('the route table covers every Flagger hook and the Argo path', () => {
  assert.deepEqual([...ADAPTER_ROUTES.keys()], [...FLAGGER_HOOKS.map((h) => `/flagger/${h}`), '/argo/v1/evaluate']);
});

test('createApiComponents: the HTTP adapters run exactly when gate.http is enabled, on the same engine as gRPC', async (t) => {
  const { metrics } = await import('@opentelemetry/api');
  const { createApiComponents } = await import('../../src/api/api-components.ts');
  const { HttpAdapterServer } = await import('../../src/api/http-server.ts');
  const { Readiness } = await import('../../src/readiness.ts');
  const { SignalStore } = await import('../../src/signals/store.ts');
  const { silentLog } = await import('../gate/fixtures.ts');
  const build = (http: Record<string, unknown> | undefined) => {
    const config = plantConfig({ gate: http ? { http } : {} });
    return createApiComponents({ config, log: silentLog, store: new SignalStore(config), meter: metrics.getMeter('t'), readiness: new Readiness(), clock: Date.now });
  };
  assert.equal(build(undefined).filter((c) => c instanceof HttpAdapterServer).length, 0);
  assert.equal(build({ listen: '127.0.0.1:0', enabled: false }).filter((c) => c instanceof HttpAdapterServer).length, 0);
  const on = build({ listen: '127.0.0.1:0' });
  const http = on.find((c) => c instanceof HttpAdapterServer)!;
  for (const c of on) await c.start();
  t.after(async () => {
    for (const c of [...on].reverse()) await c.stop();
  });
  const res = await fetch(`http://127.0.0.1:${http.port}/argo/v1/evaluate?zone=hall-a&weight=10&rollout=shop/x`);
  assert.equal(res.status, 200);
  // No samples in this store: the gate fails closed.
  assert.equal(((await res.json()) as { verdict: string }).verdict, 'HOLD');
});
