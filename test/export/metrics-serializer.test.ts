/**
 * loopgate's Prometheus text serializer writes exactly what the stock OpenTelemetry
 * PrometheusSerializer writes for the same collection (signals, zones, every self-metric kind),
 * and keeps doing so across collections (its label cache).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { PrometheusText } from '../../src/export/prometheus-text.ts';
import { feedPlant, startGateway } from './metrics-peers.ts';
import { recordSelfMetrics } from './metrics-self.ts';

test('PrometheusText output equals the stock PrometheusSerializer output', async (t) => {
  const gw = await startGateway(t);
  recordSelfMetrics(gw.telemetry.meter);
  gw.telemetry.meter.createUpDownCounter('loopgate.test.updown', { description: 'with "quotes", a \\ and\na newline' }).add(-3, { 'odd key.name': 'va"l\\ue\nx' });
  const ours = new PrometheusText();
  const stock = new PrometheusSerializer();
  for (let i = 0; i < 3; i++) {
    feedPlant(gw.store, Date.now(), 27648 * ((20 + i) / 150));
    if (i === 2) gw.store.failure('plc-1', Date.now(), ['hall_a_outlet_temp', 'hall_a_flow'], { kind: 'crc', message: 'bad crc' });
    const { resourceMetrics } = await gw.telemetry.pullReader.collect();
    assert.equal(ours.serialize(resourceMetrics), stock.serialize(resourceMetrics), `collection ${i}`);
  }
});
