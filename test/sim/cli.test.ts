/** `loopgate simulate` and `loopgate demo` through the real process: start, answer, Ctrl-C, exit 0. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ModbusClientModule from 'modbus-serial';
import { repoRoot, runCli, spawnCli, tempDir, waitForLine } from '../helpers/cli.ts';
import { demoConfigText, float32Cdab } from './sim-helpers.ts';

const ModbusClient = ModbusClientModule as unknown as typeof ModbusClientModule.default;
const tmp = tempDir();
after(() => tmp.cleanup());

// The demo config with every listener on an ephemeral port (other test runs share this machine).
const demo = await demoConfigText(readFileSync(join(repoRoot, 'config/demo.yaml'), 'utf8'));
const demoText = demo.text;

test('simulate serves the config\'s registers and turns with its HTTP control; SIGINT exits 0', async () => {
  const child = spawnCli(['simulate', '--config', tmp.write('sim.yaml', demoText), '--control', '127.0.0.1:0', '--weight', '25'], { LOOPGATE_LOG_LEVEL: 'info' });
  const controlLine = JSON.parse(await waitForLine(child, /plant control on/)) as { control: string };
  // The control line comes after the slaves listen (and a second waitForLine could miss a line of the same chunk).
  const port = demo.plcPort;
  const client = new ModbusClient();
  await client.connectTCP('127.0.0.1', { port });
  client.setID(1);
  client.setTimeout(2000);
  const p = float32Cdab((await client.readHoldingRegisters(100, 2)).data);
  assert.ok(Math.abs(p - 30) < 1, `feed A at 25 %: about (40 + 20) / 2 = 30 kW, got ${p}`);
  const res = await fetch(`${controlLine.control}/weight`, { method: 'POST', body: JSON.stringify({ zone: 'hall-a', weight: 75 }) });
  assert.equal(res.status, 200);
  const p2 = float32Cdab((await client.readHoldingRegisters(100, 2)).data);
  assert.ok(Math.abs(p2 - 50) < 1, `feed A at 75 %: about 50 kW, got ${p2}`);
  await new Promise<void>((resolve) => client.close(() => resolve()));
  child.kill('SIGINT');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0);
});

test('demo runs the plant and the gateway together and stops both on SIGTERM', async () => {
  const child = spawnCli(['demo', '--config', tmp.write('demo.yaml', demoText), '--control', 'off', '--log-every', '0.2']);
  await waitForLine(child, /"event":"started"/);
  await waitForLine(child, /"event":"polled"/);
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0);
});

test('usage errors exit 64; a bad config exits 78', async () => {
  const bad = await runCli(['simulate', '--speed', 'fast']);
  assert.equal(bad.code, 64);
  assert.match(bad.stderr, /--speed: expected a positive number/);
  const ctl = await runCli(['demo', '--control', 'nowhere']);
  assert.equal(ctl.code, 64);
  const cfg = await runCli(['simulate', '--config', tmp.write('bad.yaml', 'site: [\n')]);
  assert.equal(cfg.code, 78);
});
