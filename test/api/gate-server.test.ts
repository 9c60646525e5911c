/** The Gate API over the wire with a real grpc-js client. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Decision__Output } from '../../src/gate/generated/loopgate/v1/Decision.ts';
import type { ListZonesResponse__Output } from '../../src/gate/generated/loopgate/v1/ListZonesResponse.ts';
import type { WatchEvent__Output } from '../../src/gate/generated/loopgate/v1/WatchEvent.ts';
import { plantConfig, rollout, settle } from '../gate/fixtures.ts';
import { call, serve, until } from './harness.ts';

test('Evaluate: ALLOW, HOLD (power) and DENY (over temperature) are OK replies with reasons', async (t) => {
  const s = await serve(t);
  settle(s, 2);
  const c = s.client();
  const allow = await call<object, Decision__Output>(c.Evaluate.bind(c), rollout('a', 0, 10));
  assert.equal(allow.verdict, 'VERDICT_ALLOW');
  assert.equal(allow.max_safe_weight, 10);
  assert.equal(allow.predictions[0]!.steady_state_power, 80_000);
  assert.equal(allow.predictions[0]!.model!.source, 'config');
  assert.match(allow.policy_version, /^sha256:[0-9a-f]{16}$/);
  assert.ok(Number(allow.evaluated_at!.seconds) > 0);
  const hold = await call<object, Decision__Output>(c.Evaluate.bind(c), rollout('b', 0, 50));
  assert.equal(hold.verdict, 'VERDICT_HOLD');
  assert.equal(hold.max_safe_weight, 20);
  assert.ok(hold.retry_after_seconds > 0);
  s.feed({ a_temp: 36 });
  const deny = await call<object, Decision__Output>(c.Evaluate.bind(c), rollout('c', 10, 20));
  assert.equal(deny.verdict, 'VERDICT_DENY');
  assert.equal(deny.reasons[0]!.rule, 'temperature');
  assert.equal(deny.reasons[0]!.signal, 'a_temp');
  // Every decision: one JSON line and a count per zone and verdict.
  const lines = s.logLines.filter((l) => l['event'] === 'gate_decision');
  assert.equal(lines.length, 3);
  assert.deepEqual(lines.map((l) => l['verdict']), ['allow', 'hold', 'deny']);
  assert.equal(lines[2]!['decision_id'], deny.decision_id);
  assert.equal(lines[2]!['rollout'], 'shop/c');
  assert.equal(typeof lines[2]!['latency_ms'], 'number');
  assert.equal(lines[2]!['current_weight'], 10);
  assert.deepEqual(s.counts.map((x) => x.attrs), [
    { 'loopgate.zone': 'hall-a', 'loopgate.verdict': 'allow' },
    { 'loopgate.zone': 'hall-a', 'loopgate.verdict': 'hold' },
    { 'loopgate.zone': 'hall-a', 'loopgate.verdict': 'deny' },
  ]);
});

test('Evaluate: stale -> HOLD, idempotent request_id, two canaries share the headroom', async (t) => {
  const s = await serve(t);
  settle(s, 2);
  const c = s.client();
  const ev = (req: object) => call<object, Decision__Output>(c.Evaluate.bind(c), req);
  const a = await ev(rollout('a', 0, 20, { request_id: 'r-1' }));
  const a2 = await ev(rollout('a', 0, 20, { request_id: 'r-1' }));
  assert.deepEqual(a2, a);
  const b = await ev(rollout('b', 0, 20));
  assert.deepEqual([a.verdict, b.verdict], ['VERDICT_ALLOW', 'VERDICT_HOLD']);
  assert.equal(b.reasons[0]!.rule, 'reservation');
  const rel = await call<object, { released: number; released_power: number }>(c.Release.bind(c), { rollout: { namespace: 'shop', name: 'a' }, reason: 'finished' });
  assert.deepEqual(rel, { released: 1, released_power: 20_000 });
  s.advance(6000);
  const stale = await ev(rollout('b', 0, 20));
  assert.equal(stale.verdict, 'VERDICT_HOLD');
  assert.ok(stale.reasons.every((r) => r.rule === 'signal_health'));
});

test('bad input -> INVALID_ARGUMENT naming the field', async (t) => {
  const s = await serve(t);
  const c = s.client();
  const cases: [object, RegExp][] = [
    [rollout('a', 0, NaN), /proposed_weight: .*NaN/],
    [rollout('a', -1, 10), /current_weight: .*negative/],
    [rollout('a', 0, 101), /proposed_weight: .*over 100/],
    [{ ...rollout('a', 0, 10), proposed_weight: undefined }, /proposed_weight: required/],
    [rollout('a', 0, 10, { zones: ['nowhere'] }), /zones\[0\]: unknown zone "nowhere"/],
    [rollout('a', 0, 10, { rollout: { namespace: 'shop', name: 'x'.repeat(300) } }), /rollout\.name: at most 253/],
    [rollout('a', 0, 10, { rollout: null }), /rollout: required/],
  ];
  for (const [req, re] of cases) {
    await assert.rejects(call(c.Evaluate.bind(c), req), (e: grpc.ServiceError) => e.code === grpc.status.INVALID_ARGUMENT && re.test(e.details), String(re));
  }
  await assert.rejects(call(c.Release.bind(c), { rollout: { namespace: 'shop', name: 'a' }, zones: ['zz'] }), (e: grpc.ServiceError) => e.code === grpc.status.INVALID_ARGUMENT);
});

test('ListZones gives limits, state and model per zone', async (t) => {
  const s = await serve(t);
  settle(s, 2);
  const c = s.client();
  const res = await call<object, ListZonesResponse__Output>(c.ListZones.bind(c), {});
  assert.deepEqual(res.zones.map((z) => [z.zone, z.verdict]), [['hall-a', 'VERDICT_ALLOW'], ['hall-b', 'VERDICT_ALLOW']]);
  assert.equal(res.zones[0]!.temperature, 25);
  assert.equal(res.zones[0]!.limits!.power_budget, 100_000);
});

test('Watch: current status first, a change within one poll, decisions and heartbeats', async (t) => {
  const s = await serve(t);
  settle(s, 2);
  const c = s.client();
  const stream = c.Watch({ zones: ['hall-a'], heartbeat_seconds: 1 });
  t.after(() => stream.cancel());
  stream.on('error', () => {});
  const events: WatchEvent__Output[] = [];
  stream.on('data', (e: WatchEvent__Output) => events.push(e));
  await until(() => events.length >= 1, 'first status');
  assert.equal(events[0]!.event, 'zone');
  assert.equal(events[0]!.zone!.verdict, 'VERDICT_ALLOW');
  // One poll brings the zone over its limit: the next event says DENY.
  s.feed({ a_temp: 35.5 });
  await until(() => events.some((e) => e.zone?.verdict === 'VERDICT_DENY'), 'DENY status');
  await call(c.Evaluate.bind(c), rollout('a', 0, 5));
  await until(() => events.some((e) => e.event === 'decision'), 'decision event');
  await until(() => events.some((e) => e.event === 'heartbeat'), 'heartbeat', 3000);
});

test('health: NOT_SERVING until ready; per-zone NOT_SERVING while stale', async (t) => {
  const s = await serve(t, plantConfig(), { ready: false });
  const healthDef = protoLoader.loadSync(join(dirname(createRequire(import.meta.url).resolve('grpc-health-check/package.json')), 'proto/health/v1/health.proto'), { keepCase: true, enums: String });
  const Health = (grpc.loadPackageDefinition(healthDef) as any).grpc.health.v1.Health;
  const h = new Health(s.address, grpc.credentials.createInsecure());
  t.after(() => h.close());
  const check = (service: string) => call<object, { status: string }>(h.Check.bind(h), { service }).then((r) => r.status);
  assert.equal(await check(''), 'NOT_SERVING');
  assert.equal(await check('loopgate.v1.Gate'), 'NOT_SERVING');
  s.readiness.seal();
  assert.equal(await check(''), 'SERVING');
  // No data yet: the zones are bad.
  assert.equal(await check('loopgate.v1.Gate/hall-a'), 'NOT_SERVING');
  settle(s, 1);
  await until(() => s.engine.currentStatus('hall-a')?.quality === 'good', 'hall-a fresh');
  assert.equal(await check('loopgate.v1.Gate/hall-a'), 'SERVING');
  assert.equal(await check('loopgate.v1.Gate'), 'SERVING');
  s.advance(6000);
  await until(() => s.engine.currentStatus('hall-a')?.quality === 'bad', 'hall-a stale (engine tick)');
  assert.equal(await check('loopgate.v1.Gate/hall-a'), 'NOT_SERVING');
  assert.equal(await check('loopgate.v1.Gate'), 'NOT_SERVING');
  assert.equal(await check(''), 'SERVING');
});

test('reflection lists and describes the Gate service (as grpcurl does); it can be switched off', async (t) => {
  const reflDir = join(dirname(createRequire(import.meta.url).resolve('@grpc/reflection/package.json')), 'build/proto');
  const def = protoLoader.loadSync('grpc/reflection/v1/reflection.proto', { keepCase: true, includeDirs: [reflDir] });
  const Refl = (grpc.loadPackageDefinition(def) as any).grpc.reflection.v1.ServerReflection;
  const reflect = async (address: string, req: object): Promise<any> => {
    const r = new Refl(address, grpc.credentials.createInsecure());
    t.after(() => r.close());
    const stream = r.ServerReflectionInfo();
    stream.write(req);
    const res = await new Promise<any>((resolve, reject) => {
      stream.once('data', resolve);
      stream.once('error', reject);
    });
    stream.end();
    return res;
  };
  const list = async (address: string): Promise<string[]> => (await reflect(address, { list_services: '*' })).list_services_response.service.map((x: { name: string }) => x.name);
  const on = await serve(t);
  const names = await list(on.address);
  assert.ok(names.includes('loopgate.v1.Gate'), names.join());
  assert.ok(names.includes('grpc.health.v1.Health'), names.join());
  // What grpcurl describe does: the file declaring the symbol, as serialized descriptors.
  const desc = await reflect(on.address, { file_containing_symbol: 'loopgate.v1.Gate' });
  const files: Buffer[] = desc.file_descriptor_response.file_descriptor_proto;
  assert.ok(files.length >= 1);
  assert.ok(files.some((b) => b.toString('latin1').includes('EvaluateRequest')));
  const off = await serve(t, plantConfig({ gate: { reflection: false } }));
  await assert.rejects(list(off.address), (e: grpc.ServiceError) => e.code === grpc.status.UNIMPLEMENTED);
});

test('deadlines: an expired deadline is DEADLINE_EXCEEDED, not a decision', async (t) => {
  const s = await serve(t);
  const c = s.client();
  await assert.rejects(call(c.Evaluate.bind(c), rollout('a', 0, 1), -1), (e: grpc.ServiceError) => e.code === grpc.status.DEADLINE_EXCEEDED);
});

test('plaintext off loopback (gate.insecure: true) starts with a loud warning', async (t) => {
  const s = await serve(t, plantConfig({ gate: { listen: '0.0.0.0:0', insecure: true } }));
  const warn = s.logLines.find((l) => l['event'] === 'insecure_listener');
  assert.equal(warn!['level'], 40);
  assert.match(String(warn!['msg']), /INSECURE/);
  assert.equal(s.logLines.find((l) => l['event'] === 'listening')!['tls'], false);
});

test('Watch refuses an unknown zone or a bad heartbeat with INVALID_ARGUMENT', async (t) => {
  const s = await serve(t);
  const c = s.client();
  const cases: [{ zones?: string[]; heartbeat_seconds?: number }, RegExp][] = [[{ zones: ['nowhere'] }, /zones\[0\]: unknown zone/], [{ heartbeat_seconds: 0.5 }, /heartbeat_seconds: expected 1-300/]];
  for (const [req, re] of cases) {
    const stream = c.Watch(req);
    const err = await new Promise<grpc.ServiceError>((resolve) => stream.on('error', resolve));
    assert.equal(err.code, grpc.status.INVALID_ARGUMENT);
    assert.match(err.details, re);
  }
});

test('a port already taken is a clear start error naming gate.listen', async (t) => {
  const s = await serve(t);
  const { GrpcServer } = await import('../../src/api/grpc-server.ts');
  const { pino } = await import('pino');
  const second = new GrpcServer({ gate: plantConfig({ gate: { listen: s.address } }).gate, engine: s.engine, readiness: s.readiness, log: pino({ level: 'silent' }), clock: Date.now });
  t.after(() => second.stop());
  await assert.rejects(second.start(), (e: Error & { code?: string }) => e.code === 'LG_GATE_BIND' && e.message.includes(`cannot listen on ${s.address}`));
});
