/**
 * The end-to-end canary with simulated time sped up: the simulated plant (demo hall A, sized to
 * take about 60 %), the gateway polling it over Modbus/TCP on the plant's clock, and the reference
 * controller(s) asking the gate over gRPC before each step and setting the plant's load.
 * - one canary: stops at or below the gate's max_safe_weight, temperature never past the limit,
 *   and the load it leaves settles at or under limit - margin;
 * - with 150 % cooling (plant and the gate's model of the hall): it completes at 100 %;
 * - two canaries sharing the hall: together they stay within what the hall takes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/log.ts';
import { runCanaryScenario, type CanaryScenarioResult } from '../../src/sim/canary-scenario.ts';
import { repoRoot } from '../helpers/cli.ts';
import { demoConfigText } from '../sim/sim-helpers.ts';

const SPEED = 60;
const log = createLogger({ level: 'silent' });
const demo = await demoConfigText(readFileSync(join(repoRoot, 'config/demo.yaml'), 'utf8'));
const config = parseConfig(demo.text);

function story(r: CanaryScenarioResult): string {
  return r.events.map((e) => `${((e.t - r.startedAt) / 1000).toFixed(0)}s ${e.canary} ${e.kind} ${e.from}->${e.to}${e.maxSafeWeight !== undefined ? ` max ${e.maxSafeWeight}` : ''}${e.reason ? ` (${e.reason})` : ''}`).join('\n');
}

test('one canary into hall A: stops at or below max_safe_weight; the temperature never passes the limit', async () => {
  const r = await runCanaryScenario({ config, log, speed: SPEED, dwellS: 30 });
  const [c] = r.results;
  assert.equal(c!.outcome, 'held', story(r));
  assert.ok(c!.weight <= c!.maxSafeWeight, `weight ${c!.weight} above max_safe_weight ${c!.maxSafeWeight}\n${story(r)}`);
  assert.ok(c!.weight >= 55 && c!.weight <= 60, `hall A takes about 60 %: stopped at ${c!.weight}\n${story(r)}`);
  assert.ok(r.maxTemperature < r.limit, `temperature reached ${r.maxTemperature}`);
  assert.ok(r.finalSteadyState <= r.tripPoint + 1e-6, `the load left settles at ${r.finalSteadyState} Cel, above ${r.tripPoint}`);
  assert.ok(r.events.some((e) => e.kind === 'hold' && /thermal/.test(e.reason ?? '')), story(r));
  assert.ok(!r.events.some((e) => e.kind === 'deny' || e.kind === 'error'), story(r));
});

test('with 150 % cooling the same canary completes at 100 %', async () => {
  const r = await runCanaryScenario({ config, log, speed: SPEED, dwellS: 30, cooling: 150 });
  assert.equal(r.results[0]!.outcome, 'completed', story(r));
  assert.equal(r.results[0]!.weight, 100);
  assert.ok(r.maxTemperature < r.limit);
  assert.ok(r.finalSteadyState <= r.tripPoint + 1e-6, `settles at ${r.finalSteadyState}`);
});

test('two concurrent canaries sharing hall A stay together within what the hall takes', async () => {
  const r = await runCanaryScenario({ config, log, speed: SPEED, dwellS: 30, canaries: [{ namespace: 'shop', name: 'checkout' }, { namespace: 'shop', name: 'search' }] });
  const total = r.results.reduce((s, c) => s + c.weight, 0);
  assert.ok(r.results.every((c) => c.outcome === 'held' && c.weight >= 5), story(r));
  assert.ok(total <= 60, `together ${total} %\n${story(r)}`);
  assert.ok(r.maxTemperature < r.limit);
  assert.ok(r.finalSteadyState <= r.tripPoint + 1e-6, `settles at ${r.finalSteadyState}\n${story(r)}`);
});
