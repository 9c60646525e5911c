/** The real daemon (`loopgate run`) serves the Gate API: wired through createApiComponents, stops cleanly. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { loadGateGrpc } from '../../src/api/proto-load.ts';
import type { Decision__Output } from '../../src/gate/generated/loopgate/v1/Decision.ts';
import { spawnCli, tempDir, waitForLine } from '../helpers/cli.ts';
import { call } from './harness.ts';

const tmp = tempDir();
after(() => tmp.cleanup());

// A device nobody answers for (port 1): its signals never get a value, so the gate fails closed.
const config = `site: t
gateway_id: gw-test
buses: [{ id: b, transport: tcp, host: 127.0.0.1, port: 1, timeout_ms: 100 }]
devices:
  - id: d
    bus: b
    unit: 1
    signals:
      - { id: t1, kind: temperature, table: input, address: 0, unit: Cel }
      - { id: p1, kind: power, table: input, address: 1, unit: W }
zones:
  - id: hall-a
    temperature: [t1]
    power: [p1]
    limits: { temperature_max: 35, power_budget: 100000 }
gate: { listen: 127.0.0.1:0 }
metrics: { prometheus: { listen: 127.0.0.1:0 } }
`;

test('loopgate run serves Evaluate (HOLD without data, naming the signals) and exits 0 on SIGTERM', async (t) => {
  const child = spawnCli(['run', '--config', tmp.write('gate.yaml', config)]);
  t.after(() => child.kill('SIGKILL'));
  const trimmed = waitForLine(child, /"event":"heap_trimmed"/);
  const line = JSON.parse(await waitForLine(child, /"event":"listening"/)) as { port: number };
  // Start-up heap handed back once started, though the device never answers (never ready).
  const trim = JSON.parse(await trimmed) as { rss_before_mb: number; rss_after_mb: number };
  assert.ok(trim.rss_after_mb > 0 && trim.rss_after_mb <= trim.rss_before_mb, JSON.stringify(trim));
  const Gate = loadGateGrpc().loopgate.v1.Gate;
  const c = new Gate(`127.0.0.1:${line.port}`, grpc.credentials.createInsecure());
  t.after(() => c.close());
  const d = await call<object, Decision__Output>(c.Evaluate.bind(c), { rollout: { namespace: 'shop', name: 'web' }, current_weight: 0, proposed_weight: 10 });
  assert.equal(d.verdict, 'VERDICT_HOLD');
  assert.deepEqual(d.reasons.map((r) => r.signal).sort(), ['p1', 't1']);
  assert.ok(d.reasons.every((r) => r.rule === 'signal_health' && /no value yet/.test(r.message)));
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0);
});
