/** The lazily loaded OTLP exporter's temporality is answered before it loads: it must match the exporter's own. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { AggregationTemporality, InstrumentType } from '@opentelemetry/sdk-metrics';
import { otlpTemporality } from '../../src/export/otlp-push.ts';

test('otlpTemporality answers as OTLPMetricExporter does, for every instrument type and both preferences', async () => {
  const types = Object.values(InstrumentType);
  assert.ok(types.length >= 7);
  for (const pref of ['cumulative', 'delta'] as const) {
    const real = new OTLPMetricExporter({ url: 'http://127.0.0.1:4317', temporalityPreference: pref === 'delta' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE });
    for (const type of types) assert.equal(otlpTemporality(pref, type), real.selectAggregationTemporality(type), `${pref} ${type}`);
    await real.shutdown();
  }
});
