/** The plant model: step response against tau on the sim clock, layout from config, control surface. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfigFile, parseConfig } from '../../src/config/load.ts';
import { toEngineering } from '../../src/signals/pipeline.ts';
import { layoutFromConfig } from '../../src/sim/plant-layout.ts';
import { PlantRegisterSource } from '../../src/sim/plant-source.ts';
import { Plant } from '../../src/sim/plant.ts';
import { ManualClock, ScaledClock } from '../../src/sim/sim-clock.ts';
import { Simulator } from '../../src/sim/simulator.ts';
import { repoRoot } from '../helpers/cli.ts';
import { int16 } from './sim-helpers.ts';

const demo = loadConfigFile(join(repoRoot, 'config/demo.yaml'));

test('step response: the transmitter reading reaches 63 % of the rise at tau (+-5 %), with noise on', () => {
  const clock = new ManualClock();
  const layout = layoutFromConfig(demo);
  const plant = new Plant(layout, clock, { seed: 42 });
  const ep = layout.endpoints.find((e) => e.bus.id === 'plc-net')!;
  const source = new PlantRegisterSource(plant, ep);
  const sig = ep.devices[0]!.signals[0]!.config;
  const read = (): number => {
    const r = source.read(1, 4, 0, 1);
    assert.ok(!(r instanceof Promise) && r.kind === 'values');
    return toEngineering(sig, int16(r.values[0]!)).value!;
  };
  const tau = 600_000;
  const start = plant.hall('hall-a').state(clock.now()).temperature;
  plant.setWeight('hall-a', 60);
  const final = plant.hall('hall-a').state(clock.now()).steadyStateTemperature;
  assert.ok(Math.abs(start - 27) < 1e-9 && Math.abs(final - 33) < 1e-9, `27 -> 33 Cel, got ${start} -> ${final}`);
  // Sample once a simulated second, through the S7 counts and the NE43 pipeline, as the gateway would.
  let crossedAt: number | null = null;
  for (let s = 1; s <= 1200 && crossedAt === null; s++) {
    clock.advance(1000);
    if (read() >= start + 0.632 * (final - start)) crossedAt = s * 1000;
  }
  assert.ok(crossedAt !== null, 'the reading crossed 63.2 % of the rise');
  assert.ok(Math.abs(crossedAt - tau) <= 0.05 * tau, `63 % reached at ${crossedAt / 1000} s, tau ${tau / 1000} s`);
  // And it settles: after 5 tau within 1 %.
  clock.advance(5 * tau);
  assert.ok(Math.abs(read() - final) < 0.01 * (final - start) + 0.1);
});

test('a scaled clock runs the physics N times faster than real time', () => {
  let real = 1_000;
  const clock = new ScaledClock(60, () => real);
  const t0 = clock.now();
  real += 10_000;
  assert.equal(clock.now() - t0, 600_000);
  assert.throws(() => new ScaledClock(0), /positive/);
});

test('layout: halls sized from limits when the zone has no thermal section; roles by zone and kind', () => {
  const layout = layoutFromConfig(demo);
  const b = layout.halls.find((h) => h.zoneId === 'hall-b')!;
  assert.equal(b.idleW, 80_000 / 3);
  assert.equal(b.wattsPerWeightPct, 480);
  // 90 % weight settles at temperature_max - margin = 30 Cel.
  assert.ok(Math.abs(b.ambient + b.kelvinPerWatt * (b.idleW + 90 * b.wattsPerWeightPct) - 30) < 1e-9);
  const pdu = layout.endpoints.find((e) => e.bus.id === 'pdu-net')!.devices[0]!;
  assert.deepEqual(
    pdu.signals.map((s) => [s.config.id, s.zone, s.role.kind]),
    [
      ['hall_a_pdu_energy', 'hall-a', 'energy'],
      ['hall_b_pdu_energy', 'hall-b', 'energy'],
      ['hall_a_pdu_alarm_overtemp', 'hall-a', 'alarms'],
      ['hall_a_pdu_alarm_sensor', 'hall-a', 'alarms'],
      ['hall_b_pdu_alarm_overtemp', 'hall-b', 'alarms'],
    ],
  );
});

test('over temperature and cooling loss show in the alarm word; strict devices reject holes', () => {
  const cfg = parseConfig(`
site: t
gateway_id: g
buses: [{ id: b, transport: tcp, host: 127.0.0.1, port: 1502 }]
devices:
  - { id: d, bus: b, unit: 1, no_merge: true, signals: [
      { id: z_t, kind: temperature, table: input, address: 0, type: float32, unit: Cel },
      { id: z_p, kind: power, table: input, address: 4, type: float32, unit: W },
      { id: z_alarm, table: holding, address: 0, type: uint16 } ] }
zones:
  - { id: z, temperature: [z_t], power: [z_p], limits: { temperature_max: 30, power_budget: 1000 }, thermal: { tau_s: 60, kelvin_per_watt: 0.006, watts_per_weight_pct: 10 } }
`);
  const clock = new ManualClock();
  const layout = layoutFromConfig(cfg);
  const plant = new Plant(layout, clock, { noise: false });
  const src = new PlantRegisterSource(plant, layout.endpoints[0]!);
  const word = (): number => {
    const r = src.read(1, 3, 0, 1);
    assert.ok(!(r instanceof Promise) && r.kind === 'values');
    return r.values[0]!;
  };
  assert.equal(word(), 0);
  plant.setCooling('z', 20);
  assert.equal(word(), 0b1000, 'cooling degraded');
  clock.advance(3_600_000);
  assert.equal(word(), 0b1001, 'a fifth of the airflow: five times the rise, over temperature');
  plant.setWeight('z', 100);
  assert.equal(word() & 0b10, 0b10, 'over budget at 100 %');
  assert.deepEqual(src.read(1, 4, 0, 6), { kind: 'exception', code: 2 }, 'no_merge device: a read across the hole is refused');
  assert.equal((src.read(1, 4, 0, 2) as { kind: string }).kind, 'values');
  assert.throws(() => plant.injectFault('z_t', 'wire_break'), /not a 4-20 mA loop/);
  assert.throws(() => plant.injectFault('nope', 'offline'), /unknown device/);
  assert.throws(() => plant.injectFault('d', 'melt'), /unknown fault/);
});

const sim = new Simulator(demo, { clock: new ManualClock(), ports: { 'plc-net': 0, 'pdu-net': 0 }, control: { host: '127.0.0.1', port: 0 }, noise: false });
after(() => sim.stop());

test('HTTP control: state, weight, cooling, faults; errors say which field', async () => {
  await sim.start();
  const url = sim.controlUrl()!;
  const post = (path: string, body: unknown): Promise<Response> => fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body) });
  let res = await fetch(`${url}/state`);
  assert.equal(res.status, 200);
  const st = (await res.json()) as { halls: { zone: string; weight: number; powerW: number }[] };
  assert.deepEqual(st.halls.map((h) => [h.zone, h.weight]), [['hall-a', 0], ['hall-b', 0]]);
  res = await post('/weight', { zone: 'hall-a', weight: 60 });
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as typeof st).halls[0]!.powerW, 88_000);
  res = await post('/cooling', { zone: 'hall-b', percent: 70 });
  assert.equal(res.status, 200);
  res = await post('/fault', { target: 'hall_a_inlet_temp_1', fault: 'wire_break' });
  assert.deepEqual(((await res.json()) as { faults: unknown }).faults, { signals: { hall_a_inlet_temp_1: 'wire_break' }, devices: {} });
  res = await post('/fault', { target: 'pdu-1', fault: 'slow', delay_ms: 1500 });
  assert.deepEqual(((await res.json()) as { faults: { devices: unknown } }).faults.devices, { 'pdu-1': { slowMs: 1500 } });
  res = await post('/fault', { target: '*', fault: 'clear' });
  assert.deepEqual(((await res.json()) as { faults: unknown }).faults, { signals: {}, devices: {} });
  for (const [path, body, status, msg] of [
    ['/weight', { zone: 'hall-a', weight: 101 }, 400, /weight must be within 0-100/],
    ['/weight', { zone: 'hall-z', weight: 1 }, 404, /unknown zone "hall-z"/],
    ['/weight', { zone: 'hall-a' }, 400, /"weight" must be a number/],
    ['/fault', { target: 'hall-a-plc', fault: 'explode' }, 400, /unknown fault/],
    ['/nope', {}, 404, /no route/],
  ] as const) {
    res = await post(path, body);
    assert.equal(res.status, status, path);
    assert.match(((await res.json()) as { error: string }).error, msg);
  }
  res = await fetch(`${url}/weight`, { method: 'POST', body: '{not json' });
  assert.equal(res.status, 400);
});
