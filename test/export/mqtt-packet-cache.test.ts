/**
 * mqtt-packet's length cache pins Node Buffer-pool slabs as new payload lengths appear over a
 * long run; fillMqttPacketCache() fills it once at start so nothing more is pinned. Measured in a
 * fresh Node (--expose-gc) that writes packets of 1,500 new lengths while other code keeps
 * taking small Buffers from the pool, as the daemon does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { repoRoot } from '../helpers/cli.ts';

const probe = `
const { fillMqttPacketCache } = await import('./src/export/mqtt-packet-cache.ts');
if (process.env.FILL) await fillMqttPacketCache();
const { writeToStream } = await import('mqtt-packet');
const { Writable } = await import('node:stream');
const sink = new Writable({ write: (_c, _e, cb) => cb() });
const payload = Buffer.alloc(8000);
const tick = () => new Promise((r) => setImmediate(r)); // writeToStream corks the sink until the next tick
await tick();
gc();
const before = process.memoryUsage().arrayBuffers;
for (let i = 0; i < 1500; i++) {
  for (let j = 0; j < 17; j++) Buffer.allocUnsafe(4000); // garbage from the pool: a new slab per round
  writeToStream({ cmd: 'publish', topic: 'loopgate/x', payload: payload.subarray(0, 100 + i * 5), qos: 0, dup: false, retain: false }, sink, { protocolVersion: 4 });
  if (i % 50 === 0) await tick();
}
await tick();
gc();
process.stdout.write(String(process.memoryUsage().arrayBuffers - before));
`;

function retainedBytes(fill: boolean): number {
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', probe], { cwd: repoRoot, env: { ...process.env, ...(fill ? { FILL: '1' } : {}) }, encoding: 'utf8' });
  return Number(out);
}

test('without the fill, each new payload length pins a 64 KiB pool slab (the leak this guards against)', () => {
  assert.ok(retainedBytes(false) > 50 * 1024 * 1024, 'the control: mqtt-packet as shipped retains slabs');
});

test('after fillMqttPacketCache(), new payload lengths pin nothing', () => {
  assert.ok(retainedBytes(true) < 1024 * 1024);
});
