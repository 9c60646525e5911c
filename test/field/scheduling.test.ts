/** Scheduling: overruns counted, never queued; the component wires readiness and the store. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { metrics } from '@opentelemetry/api';
import { createLogger } from '../../src/log.ts';
import { Readiness } from '../../src/readiness.ts';
import { SignalStore } from '../../src/signals/store.ts';
import { createFieldComponents } from '../../src/field/field-components.ts';
import { DevicePoller } from '../../src/field/device-poller.ts';
import { FieldBus } from '../../src/field/field-bus.ts';
import { startTcpSlave } from '../../src/sim/tcp-slave.ts';
import type { SlaveReply } from '../../src/sim/register-source.ts';
import { buildConfig, collectingSink } from '../helpers/field-fixture.ts';

const log = createLogger({ level: 'silent' });

test('a poll slower than poll_ms: overruns are counted and never queued', async (t) => {
  let inFlight = 0;
  let maxInFlight = 0;
  const slave = await startTcpSlave({
    async read(_u, _f, _a, count): Promise<SlaveReply> {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await sleep(60);
      inFlight--;
      return { kind: 'values', values: new Array<number>(count).fill(1) };
    },
  });
  t.after(() => slave.close());
  const cfg = buildConfig([{ id: 'plc', transport: 'tcp', host: '127.0.0.1', port: slave.port, timeout_ms: 2000 }], [{ id: 'd', bus: 'plc', unit: 1, poll_ms: 20, signals: [{ id: 'a', table: 'holding', address: 0 }] }]);
  const bus = new FieldBus(cfg.buses[0]!, log);
  t.after(() => bus.close());
  const p = new DevicePoller(cfg.devices[0]!, bus, collectingSink().sink, log, Date.now);
  p.start();
  const deadline = Date.now() + 10_000;
  while (p.polls < 3 && Date.now() < deadline) await sleep(10);
  await p.stop();
  assert.ok(p.polls >= 3);
  assert.ok(p.overruns > 0, 'overruns counted');
  assert.equal(maxInFlight, 1, 'never more than one poll of a device in flight');
  const requests = [...slave.functionCodes.values()].reduce((a, b) => a + b, 0);
  assert.equal(requests, p.polls, 'skipped polls were not queued and sent later');
});

test('createFieldComponents: readiness after each bus opened and each device polled once; values reach the store', async (t) => {
  const slave = await startTcpSlave({ read: (_u, _f, a, c): SlaveReply => ({ kind: 'values', values: Array.from({ length: c }, (_, i) => a + i + 100) }) });
  t.after(() => slave.close());
  const config = buildConfig(
    [{ id: 'plc', transport: 'tcp', host: '127.0.0.1', port: slave.port }],
    [
      { id: 'd1', bus: 'plc', unit: 1, poll_ms: 50, signals: [{ id: 's1', table: 'input', address: 3, scale: 0.5, unit: 'W' }] },
      { id: 'd2', bus: 'plc', unit: 2, poll_ms: 50, signals: [{ id: 's2', table: 'holding', address: 0 }] },
    ],
  );
  const store = new SignalStore(config);
  const readiness = new Readiness();
  const comps = createFieldComponents({ config, log, store, meter: metrics.getMeter('test'), readiness, clock: Date.now });
  assert.equal(comps.length, 1);
  assert.deepEqual(readiness.waitingFor().sort(), ['bus plc opened', 'device d1 first poll', 'device d2 first poll']);
  for (const c of comps) await c.start();
  t.after(async () => {
    for (const c of comps) await c.stop();
  });
  readiness.seal();
  await readiness.whenReady(AbortSignal.timeout(10_000));
  const snap = store.snapshot();
  assert.equal(snap.signals.get('s1')?.value, 103 * 0.5);
  assert.equal(snap.signals.get('s1')?.quality, 'good');
  assert.equal(snap.signals.get('s2')?.value, 100);
  for (const c of comps) await c.stop(); // stop is idempotent
});

test('TCP buses poll concurrently; devices behind one endpoint share its connection one at a time', async (t) => {
  let inFlight = 0;
  let maxInFlight = 0;
  const slow = (tag: number) => ({
    async read(_u: number, _f: number, _a: number, count: number): Promise<SlaveReply> {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await sleep(50);
      inFlight--;
      return { kind: 'values', values: new Array<number>(count).fill(tag) };
    },
  });
  const a = await startTcpSlave(slow(1));
  const b = await startTcpSlave(slow(2));
  t.after(() => a.close());
  t.after(() => b.close());
  const cfg = buildConfig(
    [
      { id: 'a', transport: 'tcp', host: '127.0.0.1', port: a.port },
      { id: 'b', transport: 'tcp', host: '127.0.0.1', port: b.port },
    ],
    [
      { id: 'a1', bus: 'a', unit: 1, signals: [{ id: 'x1', table: 'holding', address: 0 }] },
      { id: 'a2', bus: 'a', unit: 2, signals: [{ id: 'x2', table: 'holding', address: 0 }] },
      { id: 'b1', bus: 'b', unit: 1, signals: [{ id: 'y1', table: 'holding', address: 0 }] },
    ],
  );
  const buses = new Map(cfg.buses.map((bc) => [bc.id, new FieldBus(bc, log)]));
  t.after(async () => {
    for (const bus of buses.values()) await bus.close();
  });
  const out = collectingSink();
  const polls = cfg.devices.map((d) => new DevicePoller(d, buses.get(d.bus)!, out.sink, log, Date.now).pollOnce());
  const results = await Promise.all(polls);
  assert.ok(results.every((r) => r.answered));
  assert.equal(maxInFlight, 2, 'one transaction per endpoint, both endpoints at once');
  assert.equal(a.connections, 1, 'two devices, one connection to their endpoint');
  assert.deepEqual([out.values.get('x1'), out.values.get('x2'), out.values.get('y1')], [1, 1, 2]);
});
