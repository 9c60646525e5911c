/**
 * RTU bus efficiency: back-to-back 125-register reads through loopgate's wire-paced RTU slave on
 * a socat pty pair, at 19200 and 115200 baud 8E1. Registers/s as a fraction of the wire limit
 * (request 8 + reply 255 bytes + 2 x t3.5 per read), and the t3.5 violations the slave saw;
 * side by side with bare modbus-serial doing the same reads. Medians of 3 rounds.
 */
import { cpus } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

import { createLogger } from '../../src/log.ts';
import { FieldBus } from '../../src/field/field-bus.ts';
import { nowMs } from '../../src/field/precise-wait.ts';
import { t35S, wireTimeS, type SerialFraming } from '../../src/field/wire-timing.ts';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { buildConfig, startPtyPair } from '../helpers/field-fixture.ts';

// modbus-serial is CommonJS (module.exports = the client class).
const ModbusRTU = createRequire(import.meta.url)('modbus-serial') as typeof import('modbus-serial').default;

/** The wire-paced slave in its own process; stats() asks it for its counters. */
async function slaveProcess(path: string, baud: number): Promise<{ stats: () => Promise<{ t35Violations: number; minGapMs: number }>; stop: () => Promise<void> }> {
  const proc = spawn(process.execPath, [join(import.meta.dirname, 'rtu-slave-process.ts'), path, String(baud)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
  if ((await lines.next()).value !== 'READY') throw new Error('slave did not start');
  return {
    stats: async () => {
      proc.stdin!.write('stats\n');
      return JSON.parse((await lines.next()).value as string) as { t35Violations: number; minGapMs: number };
    },
    stop: async () => {
      proc.stdin!.end();
      if (proc.exitCode === null) await once(proc, 'exit');
    },
  };
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Round {
  efficiency: number;
  registersPerS: number;
  violations: number;
  minGapMs: number;
}

async function round(dir: string, baud: number, reads: number, client: 'loopgate' | 'modbus-serial'): Promise<Round> {
  const framing: SerialFraming = { baud, data_bits: 8, parity: 'even', stop_bits: 1 };
  const pty = await startPtyPair(dir, `b${baud}${client}`);
  const slave = await slaveProcess(pty.b, baud);
  let elapsedS = 0;
  let stats = { t35Violations: -1, minGapMs: NaN };
  try {
    if (client === 'loopgate') {
      const cfg = buildConfig([{ id: 'rs485', transport: 'rtu', path: pty.a, baud, parity: 'even', timeout_ms: 1000, retries: 0 }], []);
      const bus = new FieldBus(cfg.buses[0]!, createLogger({ level: 'silent' }));
      await bus.transact('warmup', { unit: 1, fn: 3, address: 0, count: 125 });
      const t0 = nowMs();
      for (let i = 0; i < reads; i++) await bus.transact('bench', { unit: 1, fn: 3, address: 0, count: 125 });
      elapsedS = (nowMs() - t0) / 1000;
      await bus.close();
    } else {
      const c = new ModbusRTU();
      await c.connectRTUBuffered(pty.a, { baudRate: baud, parity: 'even', dataBits: 8, stopBits: 1 });
      c.setID(1);
      c.setTimeout(1000);
      await c.readHoldingRegisters(0, 125);
      const t0 = nowMs();
      for (let i = 0; i < reads; i++) await c.readHoldingRegisters(0, 125);
      elapsedS = (nowMs() - t0) / 1000;
      await new Promise<void>((resolve) => c.close(() => resolve()));
    }
    stats = await slave.stats();
  } finally {
    await slave.stop();
    await pty.stop();
  }
  const perReadS = wireTimeS(framing, 8 + 255) + 2 * t35S(framing);
  const limit = 125 / perReadS;
  const registersPerS = (reads * 125) / elapsedS;
  return { efficiency: registersPerS / limit, registersPerS, violations: stats.t35Violations, minGapMs: stats.minGapMs };
}

const dir = mkdtempSync(join(tmpdir(), 'loopgate-bench-'));
const results: Record<string, unknown> = {};
try {
  for (const [baud, reads] of [[19200, 20], [115200, 80]] as const) {
    for (const client of ['loopgate', 'modbus-serial'] as const) {
      const rounds: Round[] = [];
      for (let i = 0; i < 3; i++) rounds.push(await round(dir, baud, reads, client));
      results[`${client}_${baud}_8E1`] = {
        efficiency_median: +median(rounds.map((r) => r.efficiency)).toFixed(4),
        registers_per_s_median: Math.round(median(rounds.map((r) => r.registersPerS))),
        wire_limit_registers_per_s: Math.round(125 / (wireTimeS({ baud, data_bits: 8, parity: 'even', stop_bits: 1 }, 263) + 2 * t35S({ baud, data_bits: 8, parity: 'even', stop_bits: 1 }))),
        t35_violations_per_round: rounds.map((r) => r.violations),
        reads_per_round: reads,
        min_gap_ms: +Math.min(...rounds.map((r) => r.minGapMs)).toFixed(3),
      };
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify({ bench: 'bus-efficiency', results, machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version } }));
