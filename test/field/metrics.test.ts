/** The field self-metrics land on the runtime's meter with the names and attributes the brief fixes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { createLogger } from '../../src/log.ts';
import { Readiness } from '../../src/readiness.ts';
import { SignalStore } from '../../src/signals/store.ts';
import { createFieldComponents } from '../../src/field/field-components.ts';
import { startTcpSlave } from '../../src/sim/tcp-slave.ts';
import type { SlaveReply } from '../../src/sim/register-source.ts';
import { buildConfig } from '../helpers/field-fixture.ts';

test('transactions, durations, utilisation and backoff are recorded on rt.meter', async (t) => {
  const slave = await startTcpSlave({ read: (unit, _f, _a, c): SlaveReply => (unit === 1 ? { kind: 'values', values: new Array<number>(c).fill(7) } : { kind: 'exception', code: 2 }) });
  t.after(() => slave.close());
  const config = buildConfig(
    [{ id: 'plc', transport: 'tcp', host: '127.0.0.1', port: slave.port }],
    [
      { id: 'good', bus: 'plc', unit: 1, poll_ms: 30, signals: [{ id: 'a', table: 'holding', address: 0 }] },
      { id: 'refuses', bus: 'plc', unit: 2, poll_ms: 30, signals: [{ id: 'b', table: 'holding', address: 0 }] },
    ],
  );
  const reader = new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  t.after(() => provider.shutdown());
  const readiness = new Readiness();
  const comps = createFieldComponents({ config, log: createLogger({ level: 'silent' }), store: new SignalStore(config), meter: provider.getMeter('loopgate'), readiness, clock: Date.now });
  for (const c of comps) await c.start();
  t.after(async () => {
    for (const c of comps) await c.stop();
  });
  readiness.seal();
  await readiness.whenReady(AbortSignal.timeout(10_000));
  const { resourceMetrics } = await reader.collect();
  const metrics = new Map(resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).map((m) => [m.descriptor.name, m]));
  const tx = metrics.get('loopgate.modbus.transactions')!;
  const results = new Set(tx.dataPoints.map((p) => `${p.attributes['loopgate.device']}:${p.attributes['loopgate.result']}`));
  assert.ok(results.has('good:ok'), [...results].join());
  assert.ok(results.has('refuses:exception'), [...results].join());
  assert.ok(tx.dataPoints.every((p) => p.attributes['loopgate.bus'] === 'plc'));
  const dur = metrics.get('loopgate.modbus.transaction.duration')!;
  assert.equal(dur.descriptor.unit, 's');
  assert.ok(dur.dataPoints.length >= 2);
  assert.equal(metrics.get('loopgate.bus.utilization')?.dataPoints[0]?.attributes['loopgate.bus'], 'plc');
  const backoff = metrics.get('loopgate.device.backoff')!;
  assert.deepEqual(backoff.dataPoints.map((p) => [p.attributes['loopgate.device'], p.value]).sort(), [['good', 0], ['refuses', 0]]);
});
