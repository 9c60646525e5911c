/** promtool (Debian prometheus) lints a live scrape: signal gauges plus every self-metric. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { requireBinary } from '../deploy/require-binary.ts';
import { feedPlant, find, get, parseExposition, startGateway } from './metrics-peers.ts';
import { MODBUS_DURATION_BUCKETS, recordSelfMetrics } from './metrics-self.ts';

test('promtool check metrics: a live scrape is clean', async (t) => {
  const promtool = requireBinary(t, '/usr/bin/promtool');
  if (!promtool) return;
  const gw = await startGateway(t);
  feedPlant(gw.store);
  recordSelfMetrics(gw.telemetry.meter);
  const scrape = await get(`${gw.base}/metrics`);
  assert.equal(scrape.status, 200);

  const child = spawn(promtool, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  child.stdin.end(scrape.body);
  const [code] = (await once(child, 'close')) as [number | null];
  assert.equal(out.trim(), '', `promtool findings:\n${out}`);
  assert.equal(code, 0);

  // the Modbus duration histogram honours the bucket advice (1 ms .. 2 s)
  const s = parseExposition(scrape.body);
  const les = find(s, 'loopgate_modbus_transaction_duration_bucket', { loopgate_device: 'pdu-1' }).map((b) => b.labels['le']);
  assert.deepEqual(les, [...MODBUS_DURATION_BUCKETS.map(String), '+Inf']);
  assert.equal(find(s, 'loopgate_modbus_transactions_total', { loopgate_result: 'timeout' })[0]?.value, 2);
});
