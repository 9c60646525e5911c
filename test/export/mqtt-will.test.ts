/** The last will: a gateway process killed with SIGKILL leaves "offline" retained on its status topic. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { waitForLine } from '../helpers/cli.ts';
import { startBroker, subscriber, tempDir } from './mqtt-peers.ts';

const child = fileURLToPath(new URL('./mqtt-child.ts', import.meta.url));

test('kill -9 of the gateway: the broker publishes the retained "offline" will', async (t) => {
  const broker = await startBroker(t);
  const doc = {
    site: 'plant-7',
    gateway_id: 'edge-will',
    log: { level: 'silent' },
    buses: [{ id: 'b1', transport: 'tcp', host: '127.0.0.1', port: 1502 }],
    devices: [{ id: 'plc-1', bus: 'b1', unit: 1, signals: [{ id: 's0', table: 'holding', address: 0 }] }],
    mqtt: { url: `mqtt://127.0.0.1:${broker.port}`, spool_dir: tempDir(t) },
  };
  const gw = spawn(process.execPath, [child, JSON.stringify(doc)], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => {
    if (gw.exitCode === null && gw.signalCode === null) gw.kill('SIGKILL');
  });
  await waitForLine(gw, /^connected$/);
  const status = 'loopgate/plant-7/edge-will/status';
  const live = await subscriber(t, broker.port, [status]);
  await live.waitFor((m) => m.some((x) => x.payload.toString() === 'online'), 'retained online');
  assert.equal(live.messages[0]!.retain, true);

  const exited = once(gw, 'exit');
  gw.kill('SIGKILL');
  await exited;
  await live.waitFor((m) => m.some((x) => x.payload.toString() === 'offline'), 'the will');
  // A late subscriber sees the retained will, not the birth.
  const late = await subscriber(t, broker.port, [status]);
  await late.waitFor((m) => m.length === 1, 'the retained status');
  assert.equal(late.messages[0]!.payload.toString(), 'offline');
  assert.equal(late.messages[0]!.retain, true);
});
