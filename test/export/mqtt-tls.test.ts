/**
 * mqtts:// against a real mosquitto with certificates from the test PKI: the broker verified with
 * mqtt.tls.ca; a broker whose certificate that CA did not sign is refused with a clear error while
 * readings spool and are all delivered once the broker's certificate is fixed; client-certificate
 * auth (require_certificate + use_identity_as_username); the client key's mode rule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MqttPublisher } from '../../src/export/mqtt-publisher.ts';
import { LoopgateError } from '../../src/errors.ts';
import { createLogger } from '../../src/log.ts';
import { runCli } from '../helpers/cli.ts';
import { certDate, requireOpenssl, TestPki } from '../helpers/test-pki.ts';
import { capture, freePort, startMosquittoWith, startProxy, subscriber, tempDir, testConfig, testRuntime, until, type Received } from './mqtt-peers.ts';

const PREFIX = 'loopgate/plant-7/edge-t';
const UNREACHABLE = 'MQTT broker unreachable; retrying with backoff';

/** CA `ca` (the one the gateway trusts) and `other`; a server cert from each; a client cert from `ca`. */
function pki(t: import('node:test').TestContext): TestPki {
  const p = new TestPki(tempDir(t, 'loopgate-mqtt-pki-'));
  p.ca('ca');
  p.ca('other');
  p.issue('server', 'localhost', 'ca', 'server', certDate(-1), certDate(1));
  p.issue('server-other', 'localhost', 'other', 'server', certDate(-1), certDate(1));
  p.issue('client', 'edge-t', 'ca', 'client', certDate(-1), certDate(1));
  return p;
}

/** A plain listener for the test's subscriber, and a TLS listener (options appended). */
function conf(plain: number, tls: number, p: TestPki, server: string, extra = ''): string {
  return `per_listener_settings true
log_type error
log_type notice
listener ${plain} 127.0.0.1
allow_anonymous true
listener ${tls} 127.0.0.1
cafile ${p.f('ca.crt')}
certfile ${p.f(`${server}.crt`)}
keyfile ${p.f(`${server}.key`)}
${extra || 'allow_anonymous true'}
`;
}

const values = (msgs: Received[]): unknown[] => msgs.filter((m) => m.topic === `${PREFIX}/signals/s0`).map((m) => (JSON.parse(m.payload.toString()) as { value: unknown }).value);

test('mqtts:// with mqtt.tls.ca: the broker is verified and readings arrive', async (t) => {
  if (!requireOpenssl(t)) return;
  const p = pki(t);
  const [plain, tls] = [await freePort(), await freePort()];
  if (!(await startMosquittoWith(t, conf(plain, tls, p, 'server'), [plain, tls]))) return;
  const sub = await subscriber(t, plain, ['loopgate/#']);
  const out = capture();
  const cfg = testConfig({ url: `mqtts://127.0.0.1:${tls}`, spool_dir: tempDir(t), tls: { ca: p.f('ca.crt') } }, { signals: 1 });
  const rt = { ...testRuntime(cfg), log: createLogger({ level: 'info', destination: out.stream }) };
  const pub = new MqttPublisher(rt, { backoff: { initialMs: 20, maxMs: 50 } });
  t.after(() => pub.stop());
  await pub.start();
  await until(() => pub.connected(), 'a TLS connection');
  for (const v of [1, 2, 3]) rt.store.values('plc-1', Date.now(), [['s0', v]]);
  await sub.waitFor((m) => values(m).length === 3, 'three readings over mqtts');
  assert.deepEqual(values(sub.messages), [1, 2, 3]);
  assert.equal(out.lines().filter((l) => l['msg'] === UNREACHABLE).length, 0);
});

test('mqtts:// with a CA that did not sign the broker: clear error, retries, readings spooled; all delivered once the broker cert is fixed', async (t) => {
  if (!requireOpenssl(t)) return;
  const p = pki(t);
  const [plain, tls] = [await freePort(), await freePort()];
  const m = await startMosquittoWith(t, conf(plain, tls, p, 'server-other'), [plain, tls]);
  if (!m) return;
  const proxy = await startProxy(t, tls);
  const out = capture();
  const cfg = testConfig({ url: `mqtts://127.0.0.1:${proxy.port}`, spool_dir: tempDir(t), tls: { ca: p.f('ca.crt') } }, { signals: 1 });
  const rt = { ...testRuntime(cfg), log: createLogger({ level: 'info', destination: out.stream }) };
  const pub = new MqttPublisher(rt, { backoff: { initialMs: 20, maxMs: 50 } });
  t.after(() => pub.stop());
  await pub.start();
  const errors = (): Record<string, unknown>[] => out.lines().filter((l) => l['msg'] === UNREACHABLE);
  await until(() => errors().length >= 1, 'the TLS error line');
  assert.match(String(errors()[0]!['reason']), /^TLS: the broker's certificate is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate\); check mqtt\.tls\.ca and the host name in mqtt\.url$/);
  for (const v of [1, 2, 3, 4, 5]) rt.store.values('plc-1', Date.now(), [['s0', v]]);
  // Still retrying (the 10th attempt is logged again) and nothing was sent: all five are spooled.
  await until(() => errors().some((l) => l['attempt'] === 10), 'the 10th attempt');
  await until(() => pub.depth() === 5, 'five readings spooled');
  assert.equal(pub.connected(), false);

  // The broker gets a certificate from the CA the gateway trusts; the gateway was never restarted.
  proxy.open = false;
  await m.kill();
  await m.start(conf(plain, tls, p, 'server'));
  const sub = await subscriber(t, plain, ['loopgate/#']);
  proxy.open = true;
  await sub.waitFor((msgs) => values(msgs).length === 5, 'the five spooled readings');
  assert.deepEqual(values(sub.messages), [1, 2, 3, 4, 5]);
  await until(() => pub.depth() === 0, 'the spool drained');
});

test('client certificate auth (require_certificate, use_identity_as_username): with cert/key it publishes as its CN; without, a clear refusal', async (t) => {
  if (!requireOpenssl(t)) return;
  const p = pki(t);
  const [plain, tls] = [await freePort(), await freePort()];
  // Only the user "edge-t" may write: the broker must have taken the name from the certificate.
  writeFileSync(p.f('acl'), 'user edge-t\ntopic write loopgate/#\n');
  const m = await startMosquittoWith(t, conf(plain, tls, p, 'server', `allow_anonymous false\nrequire_certificate true\nuse_identity_as_username true\nacl_file ${p.f('acl')}`), [plain, tls]);
  if (!m) return;
  const sub = await subscriber(t, plain, ['loopgate/#']);

  const cfg = testConfig({ url: `mqtts://127.0.0.1:${tls}`, spool_dir: tempDir(t), protocol_version: 5, tls: { ca: p.f('ca.crt'), cert: p.f('client.crt'), key: p.f('client.key') } }, { signals: 1 });
  const rt = testRuntime(cfg);
  const pub = new MqttPublisher(rt, { backoff: { initialMs: 20, maxMs: 50 } });
  t.after(() => pub.stop());
  await pub.start();
  await until(() => pub.connected(), 'an mTLS connection');
  await m.waitForLog(/as loopgate-edge-t \(p5, c1, k30, u'edge-t'\)/, "the client's CN as its user name");
  rt.store.values('plc-1', Date.now(), [['s0', 42]]);
  await sub.waitFor((msgs) => values(msgs).length === 1, 'the reading over mTLS');
  assert.deepEqual(values(sub.messages), [42]);
  assert.equal(pub.dropped(), 0, 'the broker accepted the message (a v5 PUBACK failure would count as dropped)');

  const out = capture();
  const cfg2 = testConfig({ url: `mqtts://127.0.0.1:${tls}`, spool_dir: tempDir(t), tls: { ca: p.f('ca.crt') } }, { signals: 1 });
  const rt2 = { ...testRuntime(cfg2), log: createLogger({ level: 'info', destination: out.stream }) };
  const noCert = new MqttPublisher(rt2, { backoff: { initialMs: 20, maxMs: 50 } });
  t.after(() => noCert.stop());
  await noCert.start();
  await until(() => out.lines().some((l) => l['msg'] === UNREACHABLE), 'the refusal');
  const err = out.lines().find((l) => l['msg'] === UNREACHABLE)!;
  assert.match(String(err['reason']), /^TLS: the broker refused our client certificate \(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED\); check mqtt\.tls\.cert and mqtt\.tls\.key$/);
  rt2.store.values('plc-1', Date.now(), [['s0', 7]]);
  await until(() => noCert.depth() === 1, 'the reading spooled, not lost');
  assert.equal(noCert.connected(), false);
  await noCert.stop();
  assert.deepEqual(values(sub.messages), [42], 'nothing from the gateway without a certificate');
});

test('mqtt.tls.key readable by group or others: the publisher refuses to start (LG_CONFIG_KEY_MODE), naming the file and mode', async (t) => {
  if (!requireOpenssl(t)) return;
  const p = pki(t);
  const cfg = testConfig({ url: 'mqtts://127.0.0.1:1', spool_dir: tempDir(t), tls: { ca: p.f('ca.crt'), cert: p.f('client.crt'), key: p.f('client.key') } }, { signals: 1 });
  // Loosened after the config was loaded (check-config and `run` refuse it at load, see below):
  // the daemon's own read checks again.
  chmodSync(p.f('client.key'), 0o640);
  const pub = new MqttPublisher(testRuntime(cfg));
  t.after(() => pub.stop());
  await assert.rejects(pub.start(), (e: unknown) => e instanceof LoopgateError && e.code === 'LG_CONFIG_KEY_MODE' && e.message.includes(p.f('client.key')) && /mode 0640/.test(e.message) && /chmod 600/.test(e.message));
});

test('mqtt.tls.key mode 0644 through the CLI: run exits 78 naming the file and the mode', async (t) => {
  if (!requireOpenssl(t)) return;
  const p = pki(t);
  const dir = tempDir(t);
  const key = join(dir, 'mqtt-client.key');
  copyFileSync(p.f('client.key'), key);
  chmodSync(key, 0o644);
  const cfg = join(dir, 'mqtt-tls.yaml');
  writeFileSync(cfg, `site: t\ngateway_id: gw\ngate: { listen: 127.0.0.1:0 }\nmetrics: { prometheus: { listen: 127.0.0.1:0 } }\nmqtt:\n  url: mqtts://127.0.0.1:1\n  spool_dir: ${join(dir, 'spool')}\n  tls: { ca: ${p.f('ca.crt')}, cert: ${p.f('client.crt')}, key: ${key} }\n`);
  const res = await runCli(['run', '--config', cfg]);
  assert.equal(res.code, 78, res.stderr);
  assert.match(res.stderr, new RegExp(`mqtt\\.tls\\.key.*${key.replace(/[.]/g, '\\.')}.*mode 0644.*chmod 600`));
  assert.doesNotMatch(res.stdout, /"event":"started"/);
});
