/** The gate's view of the store: zone signals only, woken only by them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.ts';
import { SignalStore } from '../../src/signals/store.ts';
import { storeInputs } from '../../src/gate/store-inputs.ts';

const config = parseConfig(`
site: t
gateway_id: gw
buses: [{ id: b, transport: tcp, host: 127.0.0.1, port: 1502 }]
devices:
  - id: plc
    bus: b
    unit: 1
    poll_ms: 1000
    signals:
      - { id: t1, kind: temperature, table: input, address: 0, type: int16, unit: Cel }
      - { id: p1, kind: power, table: input, address: 10, type: float32, unit: W }
      - { id: flow, table: input, address: 20, type: uint16 }
zones:
  - id: hall
    temperature: [t1]
    power: [p1]
    limits: { temperature_max: 35, power_budget: 100000 }
`);

test('storeInputs: the snapshot holds the zone signals and aggregates; other signals neither appear nor wake the gate', () => {
  const now = 1_000_000;
  const store = new SignalStore(config, () => now);
  const inputs = storeInputs(store, config.zones);
  let wakes = 0;
  const unsubscribe = inputs.subscribe!(() => wakes++);
  store.values('plc', now, [['flow', 7]]);
  assert.equal(wakes, 0, 'a sample of a signal no zone reads does not wake the gate');
  store.values('plc', now, [['t1', 25], ['p1', 1000]]);
  assert.equal(wakes, 2);
  store.failure('plc', now, ['p1'], { kind: 'timeout', message: 'no reply' });
  assert.equal(wakes, 3, 'a failed zone signal wakes it too');
  const snap = inputs.snapshot(now);
  assert.deepEqual([...snap.signals.keys()], ['t1', 'p1']);
  assert.equal(snap.zones.get('hall')!.temperature, 25);
  assert.equal(snap.zones.get('hall')!.quality, 'uncertain');
  unsubscribe();
  inputs.close();
});
