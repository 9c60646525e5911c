/**
 * Secrets stay secret: the real daemon runs with an MQTT password (in mqtt.password and in the
 * URL's userinfo) and OTLP headers carrying sentinel values, at log level trace; the broker first
 * refuses it (error path), then accepts; the OTLP receiver takes one export (the header really is
 * sent) and then goes away (failure path). No sentinel appears in stdout, stderr, /metrics,
 * /healthz, /readyz or check-config's plan report.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { runCli, spawnCli, tempDir } from '../helpers/cli.ts';
import { OtlpReceiver } from '../export/otlp-receiver.ts';

const PW = 'S3NT1NEL-mqtt-password';
const URL_PW = 'S3NT1NEL-url-password';
const TOKEN = 'S3NT1NEL-otlp-token';
const KEY = 'S3NT1NEL-otlp-api-key';
const sentinels = [PW, URL_PW, TOKEN, KEY, 'S3NT1NEL'];

interface AedesBroker {
  handle(s: Socket): void;
  close(cb: () => void): void;
  authenticate: (client: unknown, user: string | undefined, pw: Buffer | undefined, cb: (err: Error | null, ok: boolean) => void) => void;
}

async function authBroker(t: import('node:test').TestContext): Promise<{ port: number; attempts: () => number; accepted: () => number }> {
  const { Aedes } = (await import('aedes')) as unknown as { Aedes: { createBroker(): Promise<AedesBroker> } };
  const aedes = await Aedes.createBroker();
  let attempts = 0;
  let accepted = 0;
  aedes.authenticate = (_c, user, pw, cb) => {
    attempts++;
    const ok = attempts > 1 && user === 'loopgate' && (pw?.toString() === PW || pw?.toString() === URL_PW);
    if (ok) accepted++;
    cb(ok ? null : Object.assign(new Error('refused'), { returnCode: 4 }), ok);
  };
  const sockets = new Set<Socket>();
  const srv = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    aedes.handle(s);
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => srv.close(() => r()));
    await new Promise<void>((r) => aedes.close(() => r()));
  });
  return { port: (srv.address() as { port: number }).port, attempts: () => attempts, accepted: () => accepted };
}

function assertClean(where: string, text: string): void {
  for (const s of sentinels) assert.ok(!text.includes(s), `${where} contains the secret ${s}:\n${text.split('\n').filter((l) => l.includes('S3NT1NEL')).join('\n').slice(0, 2000)}`);
}

test('the daemon never logs or serves its MQTT password or OTLP headers', async (t) => {
  const tmp = tempDir('loopgate-secrets-');
  t.after(() => tmp.cleanup());
  const broker = await authBroker(t);
  const otlp = new OtlpReceiver();
  const otlpPort = await otlp.start();
  const otlpHeaders: string[] = [];
  otlp.on('request', (_req, md) => otlpHeaders.push(String(md.get('authorization')[0])));
  t.after(() => otlp.stop());
  const cfg = tmp.write(
    'secrets.yaml',
    `site: t
gateway_id: gw
gate: { listen: 127.0.0.1:0 }
metrics:
  prometheus: { listen: 127.0.0.1:0 }
  otlp:
    endpoint: http://127.0.0.1:${otlpPort}
    interval_ms: 1000
    timeout_ms: 1000
    headers: { authorization: "Bearer ${TOKEN}", x-api-key: "${KEY}" }
mqtt:
  url: mqtt://loopgate:${URL_PW}@127.0.0.1:${broker.port}
  username: loopgate
  password: "${PW}"
  spool_dir: ${tmp.dir}/spool
`,
  );
  const child = spawnCli(['run', '--config', cfg], { LOOPGATE_LOG_LEVEL: 'trace' });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const until = async (cond: () => boolean, what: string, ms = 20_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end || child.exitCode !== null) throw new Error(`timed out waiting for ${what}\n${out}\n${err}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  await until(() => /"event":"started"/.test(out), 'started');
  await until(() => otlpHeaders.length > 0, 'an OTLP export');
  assert.equal(otlpHeaders[0], `Bearer ${TOKEN}`, 'the header is really sent');
  await until(() => broker.accepted() > 0 && /MQTT broker connected/.test(out), 'the broker accepting the password after a refusal');
  assert.match(out, /MQTT broker unreachable/, 'the refusal was logged');
  await otlp.stop();
  await until(() => /OTLP export/i.test(out.split('\n').filter((l) => /"level":(40|50)/.test(l)).join('\n')), 'an OTLP failure logged');

  const port = Number(/"msg":"metrics endpoint listening"/.test(out) ? /"listen":"[^"]*:(\d+)"[^\n]*metrics endpoint listening/.exec(out)?.[1] : NaN);
  assert.ok(port > 0, 'metrics port from the log');
  for (const path of ['/metrics', '/healthz', '/readyz']) {
    const body = await (await fetch(`http://127.0.0.1:${port}${path}`)).text();
    assertClean(path, body);
  }
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0, err);
  assertClean('stdout', out);
  assertClean('stderr', err);

  for (const args of [['check-config', cfg], ['check-config', cfg, '--json']]) {
    const res = await runCli(args);
    assert.equal(res.code, 0, res.stderr);
    assertClean(`loopgate ${args.join(' ')}`, res.stdout + res.stderr);
  }
});

test('redactUrl hides the password of any URL userinfo, keeps the rest', async () => {
  const { redactUrl } = await import('../../src/export/redact-url.ts');
  assert.equal(redactUrl('mqtt://u:secret@host:1883/x'), 'mqtt://u:***@host:1883/x');
  assert.equal(redactUrl('mqtts://host:8883'), 'mqtts://host:8883');
  assert.equal(redactUrl('http://user:p%40ss@10.0.0.1:4317'), 'http://user:***@10.0.0.1:4317');
  assert.equal(redactUrl('not a url //u:pw@h'), 'not a url //u:***@h');
});
