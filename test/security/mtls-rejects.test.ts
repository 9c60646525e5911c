/**
 * mTLS refusals against the real Gate server: a client with no certificate, with a certificate
 * from another CA, an expired one, a not-yet-valid one, a self-signed one claiming an allowed CN,
 * and plaintext (gRPC and raw bytes) against the TLS port. Each fails the connection (UNAVAILABLE,
 * no decision), and the server keeps answering an allowed client after every attempt.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import type { Decision__Output } from '../../src/gate/generated/loopgate/v1/Decision.ts';
import { tempDir } from '../helpers/cli.ts';
import { call, serve, type Served } from '../api/harness.ts';
import { plantConfig, rollout, settle } from '../gate/fixtures.ts';
import { certDate, requireOpenssl, TestPki, OPENSSL } from '../helpers/test-pki.ts';

const tmp = tempDir('loopgate-mtls-');
after(() => tmp.cleanup());
const pki = new TestPki(tmp.dir);

before(() => {
  if (!existsSync(OPENSSL)) return;
  pki.ca('ca');
  pki.ca('other-ca');
  pki.issue('server', 'localhost', 'ca', 'server', certDate(-1), certDate(2));
  pki.issue('good', 'argo-rollouts', 'ca', 'client', certDate(-1), certDate(2));
  pki.issue('expired', 'argo-rollouts', 'ca', 'client', '20200101000000Z', '20200102000000Z');
  pki.issue('future', 'argo-rollouts', 'ca', 'client', certDate(365), certDate(730));
  pki.issue('foreign', 'argo-rollouts', 'other-ca', 'client', certDate(-1), certDate(2));
  pki.selfSigned('selfsigned', 'argo-rollouts');
});

const creds = (name?: string): grpc.ChannelCredentials =>
  grpc.credentials.createSsl(readFileSync(pki.f('ca.crt')), name ? readFileSync(pki.f(`${name}.key`)) : null, name ? readFileSync(pki.f(`${name}.crt`)) : null);

async function mtlsServer(t: import('node:test').TestContext): Promise<Served> {
  const s = await serve(t, plantConfig({ gate: { tls: { cert: pki.f('server.crt'), key: pki.f('server.key'), client_ca: pki.f('ca.crt'), allowed_clients: ['argo-rollouts'] } } }));
  settle(s, 2);
  return s;
}

async function allowedStillServed(s: Served, after: string): Promise<void> {
  const c = s.client(creds('good'), { 'grpc.use_local_subchannel_pool': 1 });
  const d = await call<object, Decision__Output>(c.Evaluate.bind(c), rollout('a', 0, 5, { dry_run: true }));
  assert.equal(d.verdict, 'VERDICT_ALLOW', `allowed client after ${after}`);
}

test('client certificates the CA did not sign, or outside their validity, fail the handshake', async (t) => {
  if (!requireOpenssl(t)) return;
  const s = await mtlsServer(t);
  await allowedStillServed(s, 'start');
  for (const who of [undefined, 'foreign', 'expired', 'future', 'selfsigned']) {
    const c = s.client(creds(who), { 'grpc.use_local_subchannel_pool': 1 });
    await assert.rejects(
      call(c.Evaluate.bind(c), rollout('a', 0, 5), 3000),
      (e: grpc.ServiceError) => e.code === grpc.status.UNAVAILABLE,
      `${who ?? 'no certificate'} must not get a decision`,
    );
    await allowedStillServed(s, who ?? 'no certificate');
  }
  const decisions = s.logLines.filter((l) => l['event'] === 'gate_decision');
  assert.equal(decisions.length, 6, 'one decision per allowed call, none for a refused client');
  assert.ok(decisions.every((l) => l['client'] === 'argo-rollouts'));
});

test('plaintext against the TLS port: gRPC without TLS and raw bytes are closed cleanly, the server stays up', async (t) => {
  if (!requireOpenssl(t)) return;
  const s = await mtlsServer(t);
  const plain = s.client(grpc.credentials.createInsecure());
  await assert.rejects(call(plain.Evaluate.bind(plain), rollout('a', 0, 5), 3000), (e: grpc.ServiceError) => e.code === grpc.status.UNAVAILABLE);
  const port = s.server.port;
  const payloads = [
    Buffer.from('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n'),
    Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
    Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131) % 256)),
  ];
  for (const p of payloads) {
    const sock = connect(port, '127.0.0.1');
    await once(sock, 'connect');
    sock.on('error', () => {}); // a reset is a clean refusal too
    sock.write(p);
    await once(sock, 'close'); // the server closes a non-TLS peer at once
    await allowedStillServed(s, `raw ${p.subarray(0, 8).toString('hex')}`);
  }
});

test('a half-sent TLS handshake holds only its own socket: the server keeps answering meanwhile', async (t) => {
  if (!requireOpenssl(t)) return;
  const s = await mtlsServer(t);
  // TLS record headers announcing large ClientHellos, then silence (Node's TLS handshakeTimeout,
  // 120 s, ends these; until then each holds one descriptor: see README, Reliability and security).
  const held = await Promise.all(
    Array.from({ length: 20 }, async () => {
      const sock = connect(s.server.port, '127.0.0.1');
      await once(sock, 'connect');
      sock.on('error', () => {});
      sock.write(Buffer.from([0x16, 0x03, 0x01, 0x3f, 0xff, 0x01, 0x00, 0x3f, 0xfb]));
      return sock;
    }),
  );
  t.after(() => held.forEach((h) => h.destroy()));
  await allowedStillServed(s, '20 half-open handshakes');
});
