/** Cadence with mocked timers and a fake link (implements ModbusLink): overruns, backoff and its cap. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../src/log.ts';
import { DevicePoller } from '../../src/field/device-poller.ts';
import { FieldBus } from '../../src/field/field-bus.ts';
import type { ModbusLink } from '../../src/field/link.ts';
import { ModbusTimeoutError } from '../../src/field/modbus-errors.ts';
import type { ReadRequest, ReadResult } from '../../src/field/pdu.ts';
import { buildConfig, collectingSink } from '../helpers/field-fixture.ts';

class FakeLink implements ModbusLink {
  open = true;
  wireBytes = 0;
  reads: ReadRequest[] = [];
  mode: 'answer' | 'hold' | 'timeout' = 'answer';
  private held: Array<() => void> = [];
  read(req: ReadRequest): Promise<ReadResult> {
    this.reads.push(req);
    if (this.mode === 'timeout') return Promise.reject(new ModbusTimeoutError('fake timeout'));
    const data = Uint16Array.from({ length: req.count }, (_, i) => req.address + i);
    if (this.mode === 'hold') return new Promise((resolve) => this.held.push(() => resolve(data)));
    return Promise.resolve(data);
  }
  release(): void {
    this.held.splice(0).forEach((f) => f());
  }
  close(): Promise<void> {
    this.open = false;
    return Promise.resolve();
  }
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

function setup(): { poller: DevicePoller; link: FakeLink; out: ReturnType<typeof collectingSink> } {
  const cfg = buildConfig([{ id: 'b', transport: 'tcp', host: 'fake', retries: 0 }], [{ id: 'd', bus: 'b', unit: 1, poll_ms: 100, signals: [{ id: 's', table: 'input', address: 5 }] }]);
  const link = new FakeLink();
  const log = createLogger({ level: 'silent' });
  const bus = new FieldBus(cfg.buses[0]!, log, undefined, () => Promise.resolve(link));
  const out = collectingSink();
  return { poller: new DevicePoller(cfg.devices[0]!, bus, out.sink, log, Date.now), link, out };
}

test('a poll still running when the next is due is an overrun, not a queued poll', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval', 'Date'] });
  const { poller, link, out } = setup();
  link.mode = 'hold';
  poller.start();
  await flush();
  assert.equal(link.reads.length, 1);
  for (let i = 0; i < 5; i++) {
    t.mock.timers.tick(100);
    await flush();
  }
  assert.equal(poller.overruns, 5);
  assert.equal(link.reads.length, 1, 'nothing queued behind the slow poll');
  link.mode = 'answer';
  link.release();
  await flush();
  assert.equal(out.values.get('s'), 5);
  t.mock.timers.tick(100);
  await flush();
  assert.equal(link.reads.length, 2, 'the next due poll runs');
  assert.equal(poller.overruns, 5);
  await poller.stop();
});

test('a device that keeps timing out backs off with jitter up to 30 s, skips (not overruns) meanwhile, and resets on an answer', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval', 'Date'] });
  const { poller, link, out } = setup();
  link.mode = 'timeout';
  poller.start();
  await flush();
  assert.equal(out.failures.get('s'), 'timeout');
  assert.ok(poller.backoffS >= 0.08 && poller.backoffS <= 0.12, `first step ~poll_ms: ${poller.backoffS}`);
  const delays: number[] = [];
  for (let i = 0; i < 20 * 60 * 10; i++) {
    const before = link.reads.length;
    t.mock.timers.tick(100);
    await flush();
    if (link.reads.length > before) delays.push(poller.backoffS);
  }
  assert.equal(poller.overruns, 0, 'ticks during backoff are skipped, not overruns');
  assert.ok(delays.length > 10 && delays.length < 200, `${delays.length} attempts in 20 min`);
  assert.ok(Math.max(...delays) <= 30, 'capped at 30 s');
  assert.ok(delays.slice(-5).every((d) => d >= 24), `stays near the cap: ${delays.slice(-5)}`);
  link.mode = 'answer';
  for (let i = 0; i < 400 && poller.backoffS > 0; i++) {
    t.mock.timers.tick(100);
    await flush();
  }
  assert.equal(poller.backoffS, 0);
  assert.equal(out.failures.get('s'), undefined);
  await poller.stop();
});
