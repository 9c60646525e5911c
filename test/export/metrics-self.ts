/**
 * The self-metrics other layers record on rt.meter (names and units from the brief), created here
 * on the provider's meter so tests that check names (promtool, the dashboard) check real output
 * even in a branch where those layers are not merged yet.
 */
import type { Meter } from '@opentelemetry/api';

export const MODBUS_DURATION_BUCKETS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2];

export function recordSelfMetrics(meter: Meter): void {
  const tx = meter.createCounter('loopgate.modbus.transactions', { unit: '{transaction}', description: 'Modbus transactions by bus, device and result' });
  tx.add(40, { 'loopgate.bus': 'rs485-a', 'loopgate.device': 'pdu-1', 'loopgate.result': 'ok' });
  tx.add(2, { 'loopgate.bus': 'rs485-a', 'loopgate.device': 'pdu-1', 'loopgate.result': 'timeout' });
  tx.add(1, { 'loopgate.bus': 'rs485-a', 'loopgate.device': 'pdu-1', 'loopgate.result': 'crc' });
  const dur = meter.createHistogram('loopgate.modbus.transaction.duration', { unit: 's', description: 'Modbus transaction round trip', advice: { explicitBucketBoundaries: MODBUS_DURATION_BUCKETS } });
  for (const v of [0.0008, 0.004, 0.012, 0.3]) dur.record(v, { 'loopgate.bus': 'rs485-a', 'loopgate.device': 'pdu-1' });
  meter.createObservableGauge('loopgate.bus.utilization', { unit: '1', description: 'Share of wall time the bus carries a transaction' }).addCallback((r) => r.observe(0.42, { 'loopgate.bus': 'rs485-a' }));
  meter.createCounter('loopgate.poll.overruns', { description: 'Polls that started late because the previous one overran' }).add(3, { 'loopgate.bus': 'rs485-a', 'loopgate.device': 'pdu-1' });
  meter.createObservableGauge('loopgate.device.backoff', { unit: 's', description: 'Current backoff delay of a failing device, 0 when healthy' }).addCallback((r) => r.observe(0, { 'loopgate.device': 'pdu-1' }));
  const gate = meter.createCounter('loopgate.gate.decisions', { unit: '{decision}', description: 'Gate decisions by zone and verdict' });
  gate.add(5, { 'loopgate.zone': 'hall-a', 'loopgate.verdict': 'ALLOW' });
  gate.add(1, { 'loopgate.zone': 'hall-a', 'loopgate.verdict': 'HOLD' });
  meter.createObservableGauge('loopgate.mqtt.spool.depth', { unit: '{message}', description: 'MQTT messages waiting for the broker' }).addCallback((r) => r.observe(7));
  meter.createCounter('loopgate.mqtt.spool.dropped', { unit: '{message}', description: 'MQTT messages dropped unsent' }).add(0);
}
