/**
 * RTU end to end: the simulated plant serves a hall over a wire-timed RTU slave on one end of a
 * socat pty pair (8E1); the gateway's RTU bus polls the other end. Values match the plant, and
 * the slave saw no t3.5 violation and only read function codes.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/log.ts';
import { Service } from '../../src/service.ts';
import type { SignalSample } from '../../src/signals/sample.ts';
import { SignalStore } from '../../src/signals/store.ts';
import { Simulator } from '../../src/sim/simulator.ts';
import { startPtyPair } from '../helpers/field-fixture.ts';
import { tempDir } from '../helpers/cli.ts';
import { requireBinary } from '../helpers/peers.ts';

const tmp = tempDir();
after(() => tmp.cleanup());

test('the gateway polls the plant over Modbus RTU on a pty pair', async (t) => {
  if (!requireBinary(t, 'socat')) return;
  const pty = await startPtyPair(tmp.dir, 'plant');
  t.after(() => pty.stop());
  const config = parseConfig(`site: rtu-e2e
gateway_id: rtu-e2e
buses:
  - { id: rs485, transport: rtu, path: ${pty.a}, baud: 19200, parity: even, stop_bits: 1, timeout_ms: 300 }
devices:
  - id: hall-plc
    bus: rs485
    unit: 7
    poll_ms: 200
    signals:
      - { id: inlet, kind: temperature, table: input, address: 0, type: int16, loop: { raw: [0, 27648], eu: [0, 60] }, unit: Cel }
      - { id: feed, kind: power, table: holding, address: 100, type: float32, word_order: little, scale: 1000, unit: W }
zones:
  - id: hall
    temperature: [inlet]
    power: [feed]
    limits: { temperature_max: 35, power_budget: 120000 }
gate: { listen: 127.0.0.1:0 }
metrics: { prometheus: { listen: 127.0.0.1:0 } }
`);
  const store = new SignalStore(config);
  const sim = new Simulator(config, { control: null, noise: false, initialWeight: 40, rtuPaths: { rs485: pty.b } });
  const service = new Service({ config, log: createLogger({ level: 'silent' }) }, { store, before: [sim] });
  t.after(() => service.stop());
  const goodBoth = new Promise<Map<string, SignalSample>>((resolve) => {
    const got = new Map<string, SignalSample>();
    const off = store.subscribe((s) => {
      if (s.quality === 'good') got.set(s.signalId, s);
      if (got.size === 2) {
        off();
        resolve(got);
      }
    });
  });
  await service.start();
  const got = await goodBoth;
  const hall = sim.plant.state().halls.find((h) => h.zone === 'hall')!;
  assert.ok(Math.abs(got.get('inlet')!.value! - hall.temperature) < 0.01, `inlet ${got.get('inlet')!.value} vs plant ${hall.temperature}`);
  assert.ok(Math.abs(got.get('feed')!.value! - hall.powerW) / hall.powerW < 1e-6, `feed ${got.get('feed')!.value} vs plant ${hall.powerW}`);
  const rtu = sim.rtuStats('rs485');
  assert.ok(rtu, 'the plant serves the RTU bus');
  assert.ok(rtu.requests > 0);
  assert.equal(rtu.t35Violations, 0);
  assert.deepEqual([...rtu.functionCodes].sort(), [3, 4]);
});
