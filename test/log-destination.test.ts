/** The daemon's stdout log destination: one write per event-loop turn, nothing lost, order kept, flushed on exit. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { pino } from 'pino';
import { TurnBatchedDestination } from '../src/log-destination.ts';

test('lines logged in one turn reach the sink as one write, in order; the next turn is its own write', async () => {
  const writes: string[] = [];
  const dest = new TurnBatchedDestination((chunk) => writes.push(chunk));
  const log = pino({ base: null, timestamp: false }, dest);
  for (let i = 0; i < 5; i++) log.info({ event: 'gate_decision', i }, 'd');
  assert.equal(writes.length, 0, 'nothing is written while the turn is still running');
  await new Promise((r) => setImmediate(r));
  assert.equal(writes.length, 1);
  assert.deepEqual(writes[0]!.trimEnd().split('\n').map((l) => JSON.parse(l).i), [0, 1, 2, 3, 4]);
  log.info({ i: 5 }, 'again');
  await new Promise((r) => setImmediate(r));
  assert.equal(writes.length, 2);
  assert.equal(JSON.parse(writes[1]!).i, 5);
  dest.flush();
  assert.equal(writes.length, 2, 'an empty flush writes nothing');
});

test('what is pending when the process exits is written (stdout, the default sink)', () => {
  const script = `
    import { pino } from 'pino';
    import { TurnBatchedDestination } from ${JSON.stringify(new URL('../src/log-destination.ts', import.meta.url).href)};
    const log = pino({ base: null, timestamp: false }, new TurnBatchedDestination());
    for (let i = 0; i < 3; i++) log.info({ i }, 'last words');
    process.exit(3);
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: new URL('..', import.meta.url), encoding: 'utf8' });
  assert.equal(r.status, 3, r.stderr);
  assert.deepEqual(r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l).i), [0, 1, 2]);
});
