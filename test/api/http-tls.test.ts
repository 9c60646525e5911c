/**
 * The HTTP adapters with gate.tls (the same options as gRPC): mTLS with allowed_clients, refused
 * callers audited; and `loopgate gate evaluate` with --tls-ca/--tls-cert/--tls-key against the
 * gRPC listener. Certificates made by /usr/bin/openssl in a temp dir.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { runCli, tempDir } from '../helpers/cli.ts';
import { OPENSSL, requireOpenssl, TestPki } from '../helpers/test-pki.ts';
import { plantConfig, settle } from '../gate/fixtures.ts';
import { serve } from './harness.ts';
import { serveHttp } from './http-harness.ts';

const tmp = tempDir('loopgate-http-tls-');
after(() => tmp.cleanup());
const pki = new TestPki(tmp.dir);
const f = (name: string): string => pki.f(name);

before(() => {
  if (!existsSync(OPENSSL)) return;
  pki.ca('ca');
  pki.issueExt('server', 'localhost', 'ca', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  pki.issueExt('flagger', 'flagger', 'ca', 'extendedKeyUsage=clientAuth\n');
  pki.issueExt('intruder', 'intruder', 'ca', 'extendedKeyUsage=clientAuth\n');
});

const mtls = () => plantConfig({ gate: { tls: { cert: f('server.crt'), key: f('server.key'), client_ca: f('ca.crt'), allowed_clients: ['flagger'] } } });

function httpsGet(url: string, who: string | undefined): Promise<{ status: number; body: Record<string, any> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: readFileSync(f('ca.crt')), ...(who ? { cert: readFileSync(f(`${who}.crt`)), key: readFileSync(f(`${who}.key`)) } : {}) }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) as Record<string, any> }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('HTTP adapters over mTLS: an allowed client gets the verdict; another certificate is 403 and audited; none fails the handshake', async (t) => {
  if (!requireOpenssl(t)) return;
  const s = await serveHttp(t, mtls(), { scheme: 'https' });
  s.feed({});
  const url = `${s.base}/argo/v1/evaluate?zone=hall-a&weight=10&rollout=shop/podinfo`;
  const ok = await httpsGet(url, 'flagger');
  assert.equal(ok.status, 200);
  assert.equal(ok.body['verdict'], 'ALLOW');
  assert.equal(s.logLines.find((l) => l['event'] === 'gate_decision')!['client'], 'flagger');
  const refused = await httpsGet(url, 'intruder');
  assert.equal(refused.status, 403);
  assert.match(refused.body['error'], /client "intruder" is not in gate\.tls\.allowed_clients/);
  assert.equal(s.logLines.find((l) => l['event'] === 'gate_refused')!['client_cn'], 'intruder');
  await assert.rejects(httpsGet(url, undefined));
  assert.equal(s.logLines.filter((l) => l['event'] === 'gate_decision').length, 1);
});

test('loopgate gate evaluate --tls-ca/--tls-cert/--tls-key over mTLS; without a client certificate it exits 3', async (t) => {
  if (!requireOpenssl(t)) return;
  const s = await serve(t, mtls());
  settle(s, 2);
  const target = `localhost:${s.server.port}`;
  const ok = await runCli(['gate', 'evaluate', '--target', target, '--zone', 'hall-a', '--from', '0', '--to', '5', '--tls-ca', f('ca.crt'), '--tls-cert', f('flagger.crt'), '--tls-key', f('flagger.key')]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^ALLOW/);
  const noCert = await runCli(['gate', 'evaluate', '--target', target, '--zone', 'hall-a', '--from', '0', '--to', '5', '--tls-ca', f('ca.crt'), '--deadline-ms', '2000']);
  assert.equal(noCert.code, 3);
  const half = await runCli(['gate', 'evaluate', '--target', target, '--zone', 'hall-a', '--from', '0', '--to', '5', '--tls-ca', f('ca.crt'), '--tls-cert', f('flagger.crt')]);
  assert.equal(half.code, 3);
  assert.match(half.stderr, /--tls-cert and --tls-key go together/);
});
