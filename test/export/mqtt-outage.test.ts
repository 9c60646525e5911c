/**
 * Store-and-forward against a real mosquitto: the broker is SIGKILLed while readings keep coming
 * and restarted on the same port; every reading made during the outage arrives exactly once and
 * in order (per-signal seq), also when the publisher itself is restarted mid-outage.
 *
 * The publisher reaches the broker through a proxy the test holds shut while the broker restarts,
 * so the test's subscriber is subscribed before the replay starts (mosquitto runs without
 * persistence: a message published before anyone subscribes is gone for everyone).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { MqttPublisher } from '../../src/export/mqtt-publisher.ts';
import type { SignalStore } from '../../src/signals/store.ts';
import { feed, startBroker, startProxy, subscriber, tempDir, testConfig, testRuntime, type Received } from './mqtt-peers.ts';

const ids = ['s0', 's1'];

async function until(pred: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Feeds in chunks, yielding to the event loop between them as a poll loop would. */
async function feedRounds(store: SignalStore, rounds: number, base: number): Promise<void> {
  for (let r = 0; r < rounds; r += 50) {
    feed(store, ids, Math.min(50, rounds - r), base + r);
    await new Promise((res) => setImmediate(res));
  }
}

function seqs(messages: Received[], id: string): number[] {
  return messages.filter((m) => m.topic.endsWith(`/signals/${id}`)).map((m) => (JSON.parse(m.payload.toString()) as { seq: number }).seq);
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function setup(t: TestContext) {
  const broker = await startBroker(t);
  const proxy = await startProxy(t, broker.port);
  const spoolDir = tempDir(t);
  const cfg = testConfig({ url: `mqtt://127.0.0.1:${proxy.port}`, spool_dir: spoolDir });
  const rt = testRuntime(cfg);
  const newPublisher = async (): Promise<MqttPublisher> => {
    const p = new MqttPublisher(rt, { backoff: { initialMs: 50, maxMs: 200 } });
    t.after(() => p.stop());
    await p.start();
    return p;
  };
  return { broker, proxy, rt, newPublisher };
}

test('broker SIGKILLed mid-stream: every reading of the outage arrives once, in order', async (t) => {
  const { broker, proxy, rt, newPublisher } = await setup(t);
  const before = await subscriber(t, broker.port, ['loopgate/+/+/signals/#']);
  const pub = await newPublisher();
  await until(() => pub.connected(), 'first connection');

  await feedRounds(rt.store, 50, 0);
  await before.waitFor((m) => m.length === 100, '100 readings before the outage');
  await until(() => pub.depth() === 0, 'all acknowledged');

  await broker.kill();
  await until(() => !pub.connected(), 'the publisher to notice');
  const OUTAGE_ROUNDS = 500;
  await feedRounds(rt.store, OUTAGE_ROUNDS, 1000);
  await until(() => pub.depth() === OUTAGE_ROUNDS * ids.length, 'the outage readings in the spool');

  proxy.open = false;
  await broker.start();
  const after = await subscriber(t, broker.port, ['loopgate/+/+/signals/#']);
  proxy.open = true;
  await after.waitFor((m) => m.length >= OUTAGE_ROUNDS * ids.length, 'the replay');
  await until(() => pub.depth() === 0, 'the spool to empty');
  // A marker after the replay: once it is in, anything duplicated would have arrived before it.
  rt.store.failure('plc-1', Date.now(), ['s0'], { kind: 'timeout', message: 'marker' });
  await after.waitFor((m) => m.length === OUTAGE_ROUNDS * ids.length + 1, 'the marker');

  for (const id of ids) {
    assert.deepEqual(seqs(before.messages, id), range(1, 50), `${id} before the outage`);
    assert.deepEqual(seqs(after.messages, id), id === 's0' ? [...range(51, 550), 551] : range(51, 550), `${id} replayed exactly once, in order`);
  }
  assert.equal(pub.dropped(), 0);
});

test('publisher restarted during the outage: the spool on disk is replayed, nothing lost', async (t) => {
  const { broker, proxy, rt, newPublisher } = await setup(t);
  const first = await newPublisher();
  await until(() => first.connected(), 'first connection');
  await broker.kill();
  await until(() => !first.connected(), 'the publisher to notice');

  await feedRounds(rt.store, 200, 0);
  await first.stop();
  assert.equal(first.depth(), 400, 'the stopped publisher left its messages in the spool');

  const second = await newPublisher();
  assert.equal(second.depth(), 400, 'the new publisher found them');
  await feedRounds(rt.store, 200, 500);
  await until(() => second.depth() === 800, 'all outage readings spooled');

  proxy.open = false;
  await broker.start();
  const sub = await subscriber(t, broker.port, ['loopgate/+/+/signals/#']);
  proxy.open = true;
  await sub.waitFor((m) => m.length >= 800, 'the replay');
  await until(() => second.depth() === 0, 'the spool to empty');
  rt.store.failure('plc-1', Date.now(), ['s1'], { kind: 'timeout', message: 'marker' });
  await sub.waitFor((m) => m.length === 801, 'the marker');
  assert.deepEqual(seqs(sub.messages, 's0'), range(1, 400));
  assert.deepEqual(seqs(sub.messages, 's1'), [...range(1, 400), 401]);
});
