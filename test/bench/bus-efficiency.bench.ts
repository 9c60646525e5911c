/**
 * RTU bus efficiency: back-to-back 125-register reads through loopgate's wire-paced RTU slave
 * (its own process) at 19200 and 115200 baud 8E1. Registers/s as a fraction of the wire limit
 * (request 8 + reply 255 bytes + 2 x t3.5 per read), and the t3.5 violations the slave saw;
 * side by side with bare modbus-serial doing the same reads. Medians of 3 rounds at 19200 and 5
 * at 115200; the master's CPU per read.
 *
 * Rig: the slave owns a pty pair (own-pty.py) and the master opens its other end, so there is
 * one pty hop each way and no relay process; `loopgate_*_socat` rows repeat loopgate's rounds
 * over `socat pty,raw,echo=0 pty,raw,echo=0` (a relay process and a second pty each way).
 */
import { cpus, loadavg } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

import { createLogger } from '../../src/log.ts';
import { FieldBus } from '../../src/field/field-bus.ts';
import { nowMs } from '../../src/field/precise-wait.ts';
import { t35S, wireTimeS, type SerialFraming } from '../../src/field/wire-timing.ts';
import { buildConfig, startPtyPair } from '../helpers/field-fixture.ts';
import { startSlaveProcess } from './rtu-slave-client.ts';

// modbus-serial is CommonJS (module.exports = the client class).
const ModbusRTU = createRequire(import.meta.url)('modbus-serial') as typeof import('modbus-serial').default;

type Rig = 'own-pty' | 'socat';
/** Untimed reads first, for both clients: the figure is the steady state of a polling bus, not
 *  the first frames through freshly compiled code. */
const WARMUP_READS = 5;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Round {
  efficiency: number;
  registersPerS: number;
  violations: number;
  minGapMs: number;
  /** The master process's CPU (user + system) per read, spin-waits included. */
  cpuMsPerRead: number;
}

async function round(dir: string, baud: number, reads: number, client: 'loopgate' | 'modbus-serial', rig: Rig): Promise<Round> {
  const framing: SerialFraming = { baud, data_bits: 8, parity: 'even', stop_bits: 1 };
  const pty = rig === 'socat' ? await startPtyPair(dir, `b${baud}${client}`) : undefined;
  const slave = await startSlaveProcess(pty?.b, baud);
  const path = slave.path === pty?.b ? pty.a : slave.path;
  let elapsedS = 0;
  let cpu = { user: 0, system: 0 };
  let stats = { t35Violations: -1, minGapMs: NaN };
  try {
    if (client === 'loopgate') {
      const cfg = buildConfig([{ id: 'rs485', transport: 'rtu', path, baud, parity: 'even', timeout_ms: 1000, retries: 0 }], []);
      const bus = new FieldBus(cfg.buses[0]!, createLogger({ level: 'silent' }));
      for (let i = 0; i < WARMUP_READS; i++) await bus.transact('warmup', { unit: 1, fn: 3, address: 0, count: 125 });
      const t0 = nowMs();
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < reads; i++) await bus.transact('bench', { unit: 1, fn: 3, address: 0, count: 125 });
      cpu = process.cpuUsage(cpu0);
      elapsedS = (nowMs() - t0) / 1000;
      await bus.close();
    } else {
      const c = new ModbusRTU();
      await c.connectRTUBuffered(path, { baudRate: baud, parity: 'even', dataBits: 8, stopBits: 1 });
      c.setID(1);
      c.setTimeout(1000);
      for (let i = 0; i < WARMUP_READS; i++) await c.readHoldingRegisters(0, 125);
      const t0 = nowMs();
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < reads; i++) await c.readHoldingRegisters(0, 125);
      cpu = process.cpuUsage(cpu0);
      elapsedS = (nowMs() - t0) / 1000;
      await new Promise<void>((resolve) => c.close(() => resolve()));
    }
    stats = await slave.stats();
  } finally {
    await slave.stop();
    await pty?.stop();
  }
  const perReadS = wireTimeS(framing, 8 + 255) + 2 * t35S(framing);
  const limit = 125 / perReadS;
  const registersPerS = (reads * 125) / elapsedS;
  return { efficiency: registersPerS / limit, registersPerS, violations: stats.t35Violations, minGapMs: stats.minGapMs, cpuMsPerRead: (cpu.user + cpu.system) / 1000 / reads };
}

const dir = mkdtempSync(join(tmpdir(), 'loopgate-bench-'));
const results: Record<string, unknown> = {};
try {
  // The rig matters at 115200 (1.75 ms t3.5 against ~0.2-1 ms per pty hop), so socat rows only there.
  const runs = [
    [19200, 20, 3, 'loopgate', 'own-pty'],
    [19200, 20, 3, 'modbus-serial', 'own-pty'],
    [115200, 80, 5, 'loopgate', 'own-pty'],
    [115200, 80, 5, 'modbus-serial', 'own-pty'],
    [115200, 80, 5, 'loopgate', 'socat'],
  ] as const;
  for (const [baud, reads, n, client, rig] of runs) {
    const rounds: Round[] = [];
    for (let i = 0; i < n; i++) rounds.push(await round(dir, baud, reads, client, rig));
    results[`${client}_${baud}_8E1${rig === 'socat' ? '_socat' : ''}`] = {
      efficiency_median: +median(rounds.map((r) => r.efficiency)).toFixed(4),
      registers_per_s_median: Math.round(median(rounds.map((r) => r.registersPerS))),
      wire_limit_registers_per_s: Math.round(125 / (wireTimeS({ baud, data_bits: 8, parity: 'even', stop_bits: 1 }, 263) + 2 * t35S({ baud, data_bits: 8, parity: 'even', stop_bits: 1 }))),
      t35_violations_per_round: rounds.map((r) => r.violations),
      reads_per_round: reads,
      min_gap_ms: +Math.min(...rounds.map((r) => r.minGapMs)).toFixed(3),
      master_cpu_ms_per_read_median: +median(rounds.map((r) => r.cpuMsPerRead)).toFixed(3),
    };
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify({ bench: 'bus-efficiency', results, machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version, loadavg: loadavg().map((l) => +l.toFixed(2)) } }));
