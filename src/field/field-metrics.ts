/** The field layer's self-metrics (names and attributes as the brief fixes them), on rt.meter. */
import type { Meter } from '@opentelemetry/api';
import type { FieldFailureKind } from './readings.ts';

export type TransactionResult = 'ok' | FieldFailureKind;

export interface FieldMetrics {
  transaction(bus: string, device: string, result: TransactionResult, durationS: number): void;
  overrun(bus: string, device: string): void;
  /** Observed at each collect: current utilisation of each bus (wire time / wall time). */
  observeBuses(source: () => Iterable<{ bus: string; utilization: number }>): void;
  /** Observed at each collect: current backoff delay of each device (s, 0 when healthy). */
  observeDevices(source: () => Iterable<{ device: string; backoffS: number }>): void;
}

export function createFieldMetrics(meter: Meter): FieldMetrics {
  const transactions = meter.createCounter('loopgate.modbus.transactions', { unit: '{transaction}', description: 'Modbus transactions by outcome' });
  const duration = meter.createHistogram('loopgate.modbus.transaction.duration', {
    unit: 's',
    description: 'Modbus transaction duration, request sent to reply parsed',
    advice: { explicitBucketBoundaries: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2] },
  });
  const overruns = meter.createCounter('loopgate.poll.overruns', { unit: '{poll}', description: 'Polls skipped because the previous poll of the device was still running' });
  const utilization = meter.createObservableGauge('loopgate.bus.utilization', { unit: '1', description: 'Fraction of wall time the bus carried frames' });
  const backoff = meter.createObservableGauge('loopgate.device.backoff', { unit: 's', description: 'Current backoff delay of a failing device; 0 when healthy' });
  const busSources: Array<() => Iterable<{ bus: string; utilization: number }>> = [];
  const deviceSources: Array<() => Iterable<{ device: string; backoffS: number }>> = [];
  utilization.addCallback((r) => {
    for (const src of busSources) for (const b of src()) r.observe(b.utilization, { 'loopgate.bus': b.bus });
  });
  backoff.addCallback((r) => {
    for (const src of deviceSources) for (const d of src()) r.observe(d.backoffS, { 'loopgate.device': d.device });
  });
  return {
    transaction(bus, device, result, durationS) {
      transactions.add(1, { 'loopgate.bus': bus, 'loopgate.device': device, 'loopgate.result': result });
      duration.record(durationS, { 'loopgate.bus': bus, 'loopgate.device': device });
    },
    overrun(bus, device) {
      overruns.add(1, { 'loopgate.bus': bus, 'loopgate.device': device });
    },
    observeBuses: (s) => void busSources.push(s),
    observeDevices: (s) => void deviceSources.push(s),
  };
}
