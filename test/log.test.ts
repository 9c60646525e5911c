/** createLogger's timestamp: pino's ISO time, built once per millisecond. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { isoTime } from '../src/log.ts';

test('isoTime gives exactly what pino.stdTimeFunctions.isoTime gives, and moves with the clock', (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: 1_700_000_000_123 });
  assert.equal(isoTime(), pino.stdTimeFunctions.isoTime());
  assert.equal(isoTime(), ',"time":"2023-11-14T22:13:20.123Z"');
  t.mock.timers.tick(1);
  assert.equal(isoTime(), ',"time":"2023-11-14T22:13:20.124Z"');
  assert.equal(isoTime(), pino.stdTimeFunctions.isoTime());
});
