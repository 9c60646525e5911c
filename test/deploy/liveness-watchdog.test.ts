/** Liveness and the watchdog that reads it: WATCHDOG=1 only while every watched loop turns. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Liveness } from '../../src/liveness.ts';
import type { Notifier } from '../../src/systemd-notify.ts';
import { SystemdWatchdog, watchdogIntervalMs } from '../../src/systemd-watchdog.ts';

const silent = pino({ level: 'silent' });

function fakeNotifier(): Notifier & { sent: string[][] } {
  const sent: string[][] = [];
  return { enabled: true, sent, notify: async (a) => (sent.push([...a]), true) };
}

test('a loop is alive while it beats within its bound, stalled after', () => {
  let now = 1000;
  const live = new Liveness(() => now);
  assert.deepEqual(live.check(), { alive: true, stalled: [] }, 'nothing watched: alive');
  const bus = live.register('poll:rs485-a', 3000);
  now += 3000;
  assert.equal(live.check().alive, true);
  now += 1;
  assert.deepEqual(live.check(), { alive: false, stalled: [{ name: 'poll:rs485-a', silentMs: 3001, maxSilenceMs: 3000 }] });
  bus.beat();
  assert.equal(live.check().alive, true);
  now += 10_000;
  bus.done();
  assert.equal(live.check().alive, true, 'a loop stopped on purpose is no longer watched');
  assert.deepEqual(live.watched(), []);
  assert.throws(() => live.register('x', 0), RangeError);
});

test('watchdog interval is half WATCHDOG_USEC, only for our pid', () => {
  const table: { env: NodeJS.ProcessEnv; want: number | undefined }[] = [
    { env: {}, want: undefined },
    { env: { WATCHDOG_USEC: '30000000' }, want: 15_000 },
    { env: { WATCHDOG_USEC: '30000000', WATCHDOG_PID: '42' }, want: 15_000 },
    { env: { WATCHDOG_USEC: '30000000', WATCHDOG_PID: '43' }, want: undefined },
    { env: { WATCHDOG_USEC: '0' }, want: undefined },
    { env: { WATCHDOG_USEC: 'soon' }, want: undefined },
  ];
  for (const { env, want } of table) assert.equal(watchdogIntervalMs(env, 42), want, JSON.stringify(env));
});

test('the watchdog withholds WATCHDOG=1 while a loop is stalled and resumes when it turns', async () => {
  let now = 0;
  const live = new Liveness(() => now);
  const notifier = fakeNotifier();
  const wd = new SystemdWatchdog({ notifier, liveness: live, log: silent, intervalMs: 1_000_000 });
  const loop = live.register('poll:hall-plc', 5000);
  await wd.start();
  await wd.stop();
  assert.deepEqual(notifier.sent, [['WATCHDOG=1']]);
  now = 6000;
  await wd.tick();
  await wd.tick();
  assert.equal(wd.counts.withheld, 2);
  assert.equal(notifier.sent.filter((m) => m[0] === 'WATCHDOG=1').length, 1, 'no ping while stalled');
  assert.match(notifier.sent[1]![0]!, /^STATUS=stalled: poll:hall-plc silent 6000 ms/);
  loop.beat();
  await wd.tick();
  assert.deepEqual(notifier.sent.at(-1), ['WATCHDOG=1']);
  assert.equal(wd.counts.sent, 2);
});
