/**
 * TLS and mTLS with certificates made by /usr/bin/openssl in a temp dir: a private CA, a server
 * cert (SAN localhost, 127.0.0.1), an allowed client (by CN), an allowed client (by URI SAN), an
 * unknown client. Plus the private key mode refusal, in the server and through the real CLI.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { GrpcServer } from '../../src/api/grpc-server.ts';
import type { Decision__Output } from '../../src/gate/generated/loopgate/v1/Decision.ts';
import { Readiness } from '../../src/readiness.ts';
import { LoopgateError } from '../../src/errors.ts';
import { runCli, tempDir } from '../helpers/cli.ts';
import { OPENSSL, requireOpenssl, TestPki } from '../helpers/test-pki.ts';
import { plant, plantConfig, rollout, settle } from '../gate/fixtures.ts';
import { call, serve } from './harness.ts';

const tmp = tempDir('loopgate-tls-');
after(() => tmp.cleanup());
const pki = new TestPki(tmp.dir);
const f = (name: string): string => pki.f(name);

before(() => {
  if (!existsSync(OPENSSL)) return;
  pki.ca('ca');
  pki.issueExt('server', 'localhost', 'ca', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  pki.issueExt('argo', 'argo-rollouts', 'ca', 'extendedKeyUsage=clientAuth\n');
  pki.issueExt('spiffe', 'some-pod', 'ca', 'subjectAltName=URI:spiffe://cluster.local/ns/argo/sa/argo-rollouts\nextendedKeyUsage=clientAuth\n');
  pki.issueExt('intruder', 'intruder', 'ca', 'extendedKeyUsage=clientAuth\n');
});

const tlsGate = () => ({ gate: { tls: { cert: f('server.crt'), key: f('server.key'), client_ca: f('ca.crt'), allowed_clients: ['argo-rollouts', 'spiffe://cluster.local/ns/argo/sa/argo-rollouts'] } } });
const clientCreds = (name?: string) => grpc.credentials.createSsl(readFileSync(f('ca.crt')), name ? readFileSync(f(`${name}.key`)) : null, name ? readFileSync(f(`${name}.crt`)) : null);

test('mTLS: allowed clients (by CN, by SAN) get decisions; an unknown client cert is PERMISSION_DENIED and audited', async (t) => {
  if (!requireOpenssl(t)) return;
  const s = await serve(t, plantConfig(tlsGate()));
  settle(s, 2);
  for (const who of ['argo', 'spiffe']) {
    const c = s.client(clientCreds(who));
    const d = await call<object, Decision__Output>(c.Evaluate.bind(c), rollout('a', 0, 5));
    assert.equal(d.verdict, 'VERDICT_ALLOW', who);
  }
  const line = s.logLines.find((l) => l['event'] === 'gate_decision');
  assert.equal(line!['client'], 'argo-rollouts');
  const bad = s.client(clientCreds('intruder'));
  await assert.rejects(call(bad.Evaluate.bind(bad), rollout('a', 0, 5)), (e: grpc.ServiceError) => e.code === grpc.status.PERMISSION_DENIED && /intruder/.test(e.details));
  await assert.rejects(call(bad.ListZones.bind(bad), {}), (e: grpc.ServiceError) => e.code === grpc.status.PERMISSION_DENIED);
  const refused = s.logLines.find((l) => l['event'] === 'gate_refused');
  assert.equal(refused!['client_cn'], 'intruder');
  assert.equal(refused!['method'], 'Evaluate');
});

test('mTLS: no client certificate fails the handshake', async (t) => {
  if (!requireOpenssl(t)) return;
  const s = await serve(t, plantConfig(tlsGate()));
  const c = s.client(clientCreds());
  await assert.rejects(call(c.Evaluate.bind(c), rollout('a', 0, 5), 3000), (e: grpc.ServiceError) => e.code === grpc.status.UNAVAILABLE);
});

test('TLS without client_ca: any client over TLS, none in plaintext', async (t) => {
  if (!requireOpenssl(t)) return;
  const s = await serve(t, plantConfig({ gate: { tls: { cert: f('server.crt'), key: f('server.key') } } }));
  settle(s, 2);
  const c = s.client(clientCreds());
  assert.equal((await call<object, Decision__Output>(c.Evaluate.bind(c), rollout('a', 0, 5))).verdict, 'VERDICT_ALLOW');
  const plain = s.client();
  await assert.rejects(call(plain.Evaluate.bind(plain), rollout('a', 0, 5), 3000), (e: grpc.ServiceError) => e.code === grpc.status.UNAVAILABLE);
});

test('a private key readable by group or others: the server refuses to start (LG_CONFIG_KEY_MODE)', async (t) => {
  if (!requireOpenssl(t)) return;
  writeFileSync(f('loose.key'), readFileSync(f('server.key')));
  chmodSync(f('loose.key'), 0o644);
  const p = plant();
  const server = new GrpcServer({ gate: plantConfig({ gate: { tls: { cert: f('server.crt'), key: f('loose.key') } } }).gate, engine: p.engine, readiness: new Readiness(), log: pino({ level: 'silent' }), clock: Date.now });
  t.after(() => server.stop());
  await assert.rejects(server.start(), (e: unknown) => e instanceof LoopgateError && e.code === 'LG_CONFIG_KEY_MODE' && /mode 0644/.test(e.message) && /chmod 600/.test(e.message));
});

test('key mode 0644 through the CLI: exit 78 naming the file and the fix', async (t) => {
  if (!requireOpenssl(t)) return;
  writeFileSync(f('cli.key'), readFileSync(f('server.key')));
  chmodSync(f('cli.key'), 0o644);
  const cfg = tmp.write('tls.yaml', `site: t\ngateway_id: gw\ngate:\n  listen: 127.0.0.1:0\n  tls: { cert: ${f('server.crt')}, key: ${f('cli.key')} }\nmetrics: { prometheus: { listen: 127.0.0.1:0 } }\n`);
  const res = await runCli(['run', '--config', cfg]);
  assert.equal(res.code, 78);
  assert.match(res.stderr, new RegExp(`${f('cli.key').replace(/[.]/g, '\\.')}.*mode 0644.*chmod 600`));
  assert.doesNotMatch(res.stdout, /"event":"started"/);
});

test('the client identity is read once per TLS connection (cached on the HTTP/2 session)', async (t) => {
  if (!requireOpenssl(t)) return;
  const { clientIdentity, sessionOf } = await import('../../src/api/client-identity.ts');
  const { loadGateGrpc } = await import('../../src/api/proto-load.ts');
  const { serverCredentials } = await import('../../src/api/server-credentials.ts');
  const Gate = loadGateGrpc().loopgate.v1.Gate;
  const seen: { session: boolean; cn: string | undefined; authReads: number }[] = [];
  const server = new grpc.Server();
  server.addService(Gate.service, {
    Evaluate: (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<object>) => {
      let authReads = 0;
      const real = call.getAuthContext.bind(call);
      call.getAuthContext = () => (authReads++, real());
      seen.push({ session: sessionOf(call) !== undefined, cn: clientIdentity(call)?.cn, authReads });
      cb(null, {});
    },
  } as never);
  const creds = serverCredentials({ tls: { cert: f('server.crt'), key: f('server.key'), client_ca: f('ca.crt') } });
  const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', creds, (e, p) => (e ? rej(e) : res(p))));
  t.after(() => server.forceShutdown());
  const c = new Gate(`127.0.0.1:${port}`, clientCreds('argo'));
  t.after(() => c.close());
  for (let i = 0; i < 3; i++) await call(c.Evaluate.bind(c), rollout('a', 0, 1));
  assert.deepEqual(seen, [
    { session: true, cn: 'argo-rollouts', authReads: 1 },
    { session: true, cn: 'argo-rollouts', authReads: 0 },
    { session: true, cn: 'argo-rollouts', authReads: 0 },
  ]);
});
