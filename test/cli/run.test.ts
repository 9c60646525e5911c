/** The daemon's lifecycle through the real process: start, SIGTERM, clean exit 0. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { runCli, spawnCli, tempDir, waitForLine } from '../helpers/cli.ts';

const tmp = tempDir();
after(() => tmp.cleanup());

const minimal = `site: t
gateway_id: gw-test
gate: { listen: 127.0.0.1:0 }
metrics: { prometheus: { listen: 127.0.0.1:0 } }
`;

test('the runtime is Node >= 22 (type stripping)', () => {
  assert.ok(Number(process.versions.node.split('.')[0]) >= 22, process.version);
});

for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  test(`run starts, logs JSON, and exits 0 on ${sig}`, async () => {
    const child = spawnCli(['run', '--config', tmp.write(`run-${sig}.yaml`, minimal)]);
    const started = await waitForLine(child, /"event":"started"/);
    const entry = JSON.parse(started) as { level: number; service: string };
    assert.equal(entry.service, 'loopgate');
    child.kill(sig);
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
  });
}

test('run with a bad config exits 78 before starting anything', async () => {
  const res = await runCli(['run', '--config', tmp.write('bad.yaml', 'site: [\n')]);
  assert.equal(res.code, 78);
  assert.match(res.stderr, /bad\.yaml:\d+:\d+: \(yaml\): not valid YAML/);
  assert.doesNotMatch(res.stdout, /"event":"started"/);
});

test('usage errors exit 64 with the command help', async () => {
  const res = await runCli(['run']);
  assert.equal(res.code, 64);
  assert.match(res.stderr, /missing --config FILE/);
  assert.match(res.stderr, /usage: loopgate run --config FILE/);
  const unknown = await runCli(['frobnicate']);
  assert.equal(unknown.code, 64);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
});

test('--help on each command and version', async () => {
  for (const cmd of ['run', 'check-config', 'version']) {
    const res = await runCli([cmd, '--help']);
    assert.equal(res.code, 0, cmd);
    assert.match(res.stdout, new RegExp(`usage: loopgate ${cmd}`));
  }
  const v = await runCli(['version']);
  assert.match(v.stdout, /^loopgate \d+\.\d+\.\d+ \(node v\d+/);
});
