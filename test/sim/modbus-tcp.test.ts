/**
 * The demo plant served over Modbus/TCP (modbus-serial's ServerTCP adapter), read back by two
 * independent clients: modbus-serial's and pymodbus's. Values, faults and exceptions on the wire.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { loadConfigFile } from '../../src/config/load.ts';
import { SignalStore } from '../../src/signals/store.ts';
import { ManualClock } from '../../src/sim/sim-clock.ts';
import { Simulator } from '../../src/sim/simulator.ts';
import { repoRoot } from '../helpers/cli.ts';
import { ModbusClient, float32Cdab, int16, requireBinary } from './sim-helpers.ts';

const config = loadConfigFile(join(repoRoot, 'config/demo.yaml'));
const clock = new ManualClock();
const sim = new Simulator(config, { clock, noise: false, ports: { 'plc-net': 0, 'pdu-net': 0 }, control: null, initialWeight: 0 });
const client = new ModbusClient();
let plcPort = 0;
let pduPort = 0;

before(async () => {
  await sim.start();
  plcPort = sim.endpoint('plc-net')!.port;
  pduPort = sim.endpoint('pdu-net')!.port;
  await client.connectTCP('127.0.0.1', { port: plcPort });
  client.setTimeout(1000);
});
after(async () => {
  await new Promise<void>((resolve) => client.close(() => resolve()));
  await sim.stop();
});

// Hall A idle: 40 kW (two feeds of 20 kW), inlet 27 Cel = 4 + 27/60 x 16 = 11.2 mA = 12441.6 counts.
test('modbus-serial client reads the 4-20 mA raw counts and the float32 CDAB feed power', async () => {
  client.setID(1);
  const temps = await client.readInputRegisters(0, 2);
  assert.deepEqual(temps.data.map(int16), [12442, 12303], 'S7 counts: 27 Cel and 26.7 Cel (second sensor 0.3 K cooler)');
  const power = await client.readHoldingRegisters(100, 4);
  assert.equal(float32Cdab(power.data.slice(0, 2)), 20, 'feed A: 20 kW');
  assert.equal(float32Cdab(power.data.slice(2, 4)), 20, 'feed B: 20 kW');
  // CDAB: 20.0f = 0x41A00000, low word first.
  assert.deepEqual(power.data.slice(0, 2), [0x0000, 0x41a0]);
});

test('the weight knob moves power at once and temperature with the thermal lag', async () => {
  sim.plant.setWeight('hall-a', 50);
  client.setID(1);
  const power = await client.readHoldingRegisters(100, 2);
  assert.equal(float32Cdab(power.data), 40, '(40 kW + 800 W x 50) / 2 feeds');
  const before = int16((await client.readInputRegisters(0, 1)).data[0]!);
  clock.advance(600_000); // one tau
  const afterTau = int16((await client.readInputRegisters(0, 1)).data[0]!);
  // Steady state at 50 %: 22 + 0.000125 x 80 kW = 32 Cel; after tau: 27 + 5 x (1 - 1/e) = 30.16 Cel.
  const celsius = (counts: number): number => (counts / 27648) * 60;
  assert.ok(Math.abs(celsius(before) - 27) < 0.01, `before ${celsius(before)}`);
  assert.ok(Math.abs(celsius(afterTau) - 30.16) < 0.01, `after tau ${celsius(afterTau)}`);
  sim.plant.setWeight('hall-a', 0);
  clock.advance(6_000_000);
});

test('the PDU: int32 energy counter (Wh) and the bit-field alarm word', async () => {
  const pdu = new ModbusClient();
  await pdu.connectTCP('127.0.0.1', { port: pduPort });
  pdu.setTimeout(1000);
  pdu.setID(3);
  const e0 = (await pdu.readHoldingRegisters(0, 2)).data;
  clock.advance(3_600_000); // one hour idle at 40 kW
  const e1 = (await pdu.readHoldingRegisters(0, 2)).data;
  const wh = (r: number[]): number => ((r[0]! << 16) | r[1]!) >>> 0;
  assert.equal(wh(e1) - wh(e0), 40_000, '40 kW for an hour = 40 kWh');
  assert.equal((await pdu.readHoldingRegisters(10, 1)).data[0], 0, 'no alarms');
  sim.plant.injectFault('hall_a_inlet_temp_1', 'wire_break');
  assert.equal((await pdu.readHoldingRegisters(10, 1)).data[0], 0b100, 'sensor fault bit');
  sim.plant.clearFault('*');
  await new Promise<void>((resolve) => pdu.close(() => resolve()));
});

test('wire break on the wire: raw counts for 3.2 mA -> store bad "loop current low (wire break?)"; repair -> good', async () => {
  const store = new SignalStore(config, () => clock.now());
  client.setID(1);
  sim.plant.injectFault('hall_a_inlet_temp_1', 'wire_break');
  const broken = int16((await client.readInputRegisters(0, 1)).data[0]!);
  assert.equal(broken, -1382, '3.2 mA = -0.8 mA x 1728 counts/mA');
  store.values('hall-a-plc', clock.now(), [['hall_a_inlet_temp_1', broken]]);
  let s = store.snapshot().signals.get('hall_a_inlet_temp_1')!;
  assert.equal(s.quality, 'bad');
  assert.match(s.reason, /^loop current low \(wire break\?\)/);
  assert.equal(store.snapshot().zones.get('hall-a')!.quality, 'bad');
  sim.plant.injectFault('hall_a_inlet_temp_1', 'short');
  const shorted = int16((await client.readInputRegisters(0, 1)).data[0]!);
  assert.equal(shorted, 31104, '22 mA');
  store.values('hall-a-plc', clock.now(), [['hall_a_inlet_temp_1', shorted]]);
  assert.match(store.snapshot().signals.get('hall_a_inlet_temp_1')!.reason, /short circuit/);
  sim.plant.clearFault('hall_a_inlet_temp_1');
  store.values('hall-a-plc', clock.now(), [['hall_a_inlet_temp_1', int16((await client.readInputRegisters(0, 1)).data[0]!)]]);
  s = store.snapshot().signals.get('hall_a_inlet_temp_1')!;
  assert.equal(s.quality, 'good');
});

test('stuck value: registers freeze while the plant moves on', async () => {
  client.setID(1);
  sim.plant.injectFault('hall_a_feed_a_power', 'stuck');
  sim.plant.setWeight('hall-a', 100);
  const stuck = float32Cdab((await client.readHoldingRegisters(100, 2)).data);
  const live = float32Cdab((await client.readHoldingRegisters(102, 2)).data);
  assert.equal(stuck, 20);
  assert.equal(live, 60);
  sim.plant.clearFault('*');
  sim.plant.setWeight('hall-a', 0);
});

test('exception replies, read-only writes, unknown units and holes', async () => {
  client.setID(1);
  sim.plant.injectFault('hall-a-plc', 'exception', { code: 6 });
  await assert.rejects(client.readInputRegisters(0, 1), (err: { modbusCode?: number }) => err.modbusCode === 6);
  sim.plant.clearFault('hall-a-plc');
  await assert.rejects(client.writeRegister(100, 1), (err: { modbusCode?: number }) => err.modbusCode === 1, 'the plant is read-only');
  client.setID(9);
  await assert.rejects(client.readInputRegisters(0, 1), (err: { modbusCode?: number }) => err.modbusCode === 11, 'no such unit: gateway target failed');
  client.setID(1);
  await assert.rejects(client.readInputRegisters(500, 2), (err: { modbusCode?: number }) => err.modbusCode === 2, 'no register there');
  const gap = await client.readHoldingRegisters(100, 4);
  assert.equal(gap.data.length, 4);
});

test('offline: no reply at all (the client times out); slow: the reply comes late but right', async () => {
  const c = new ModbusClient();
  await c.connectTCP('127.0.0.1', { port: plcPort });
  c.setID(2);
  c.setTimeout(200);
  sim.plant.injectFault('hall-b-plc', 'offline');
  await assert.rejects(c.readHoldingRegisters(100, 2), (err: { errno?: string }) => err.errno === 'ETIMEDOUT');
  sim.plant.clearFault('hall-b-plc');
  sim.plant.injectFault('hall-b-plc', 'slow', { delayMs: 50 });
  c.setTimeout(2000);
  const started = process.hrtime.bigint();
  const r = await c.readHoldingRegisters(100, 2);
  assert.ok(process.hrtime.bigint() - started >= 50_000_000n, 'held for the injected delay');
  assert.ok(float32Cdab(r.data) > 0);
  sim.plant.clearFault('*');
  await new Promise<void>((resolve) => c.close(() => resolve()));
});

test('pymodbus (Debian python3-pymodbus) reads the same registers', async (t) => {
  const py = '/usr/bin/python3';
  if (!requireBinary(t, py, () => spawnSync(py, ['-c', 'import pymodbus'], { stdio: 'ignore' }).status === 0)) return;
  const script = `
import json, sys
from pymodbus.client import ModbusTcpClient
c = ModbusTcpClient("127.0.0.1", port=int(sys.argv[1]), timeout=2)
assert c.connect()
t = c.read_input_registers(0, 2, slave=1)
p = c.read_holding_registers(100, 4, slave=1)
b = c.read_holding_registers(100, 2, slave=2)
x = c.read_input_registers(500, 1, slave=1)
print(json.dumps({"temps": t.registers, "power": p.registers, "hall_b": b.registers, "exception": getattr(x, "exception_code", None)}))
c.close()
`;
  // Asynchronously: the slave answering it lives in this process's event loop.
  const res = await promisify(execFile)(py, ['-c', script, String(plcPort)], { encoding: 'utf8', timeout: 20_000 });
  const out = JSON.parse(res.stdout) as { temps: number[]; power: number[]; hall_b: number[]; exception: number | null };
  assert.deepEqual(out.temps.map(int16), [12442, 12303]);
  assert.equal(float32Cdab(out.power.slice(0, 2)), 20);
  assert.equal(float32Cdab(out.power.slice(2, 4)), 20);
  // Hall B sized from its limits: idle = 80 kW / 3.
  assert.ok(Math.abs(float32Cdab(out.hall_b) - 80 / 3) < 1e-5, `hall B ${float32Cdab(out.hall_b)}`);
  assert.equal(out.exception, 2);
});
