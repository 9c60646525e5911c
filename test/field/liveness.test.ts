/**
 * The poll loops feed the systemd watchdog's Liveness: a device that answers keeps its loop
 * beating; a poll that never completes (a peer that accepts and never replies, long timeout)
 * stops the beats, and Liveness reports that loop stalled.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { metrics } from '@opentelemetry/api';
import { parseConfig } from '../../src/config/load.ts';
import { createFieldComponents } from '../../src/field/field-components.ts';
import { Liveness } from '../../src/liveness.ts';
import { createLogger } from '../../src/log.ts';
import { Readiness } from '../../src/readiness.ts';
import { SignalStore } from '../../src/signals/store.ts';
import { startTcpSlave } from '../../src/sim/tcp-slave.ts';

test('a stuck poll stalls its loop; an answering device keeps beating', async (t) => {
  const healthy = await startTcpSlave({ read: (_u, _fn, _a, count) => ({ kind: 'values', values: new Array<number>(count).fill(7) }) });
  t.after(() => healthy.close());
  const sockets = new Set<Socket>();
  const mute = createServer((s) => sockets.add(s)); // accepts, never answers
  mute.listen(0, '127.0.0.1');
  await once(mute, 'listening');
  t.after(() => {
    for (const s of sockets) s.destroy();
    mute.close();
  });
  const mutePort = (mute.address() as { port: number }).port;
  const config = parseConfig(`site: t
buses:
  - { id: good, transport: tcp, host: 127.0.0.1, port: ${healthy.port}, timeout_ms: 500 }
  - { id: stuck, transport: tcp, host: 127.0.0.1, port: ${mutePort}, timeout_ms: 60000, retries: 0 }
devices:
  - { id: ok-dev, bus: good, unit: 1, poll_ms: 50, signals: [{ id: a, table: holding, address: 0 }] }
  - { id: hung-dev, bus: stuck, unit: 1, poll_ms: 50, signals: [{ id: b, table: holding, address: 0 }] }
gate: { listen: 127.0.0.1:0 }
`);
  let now = 0;
  const liveness = new Liveness(() => now);
  const store = new SignalStore(config);
  const components = createFieldComponents({ config, log: createLogger({ level: 'silent' }), store, meter: metrics.getMeter('t'), readiness: new Readiness(), liveness, clock: Date.now });
  t.after(() => Promise.all(components.map((c) => c.stop())));
  for (const c of components) await c.start();

  const samplesOfA = (n: number): Promise<void> =>
    new Promise((resolve) => {
      let seen = 0;
      const off = store.subscribe((s) => {
        if (s.signalId === 'a' && ++seen >= n) {
          off();
          resolve();
        }
      });
    });
  await samplesOfA(1);
  assert.equal(liveness.check().alive, true);
  // Far past every loop's allowed silence; the answering loop beats again at this time (the
  // second sample proves the poll before it completed, and completing is what beats).
  now = 1e9;
  await samplesOfA(2);
  const report = liveness.check();
  assert.equal(report.alive, false);
  assert.deepEqual(report.stalled.map((l) => l.name), ['poll stuck/hung-dev']);
});
