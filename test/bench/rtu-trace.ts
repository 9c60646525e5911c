/**
 * Where an RTU transaction's time goes beyond the wire model, hop by hop, at 115200 8E1 with
 * 125-register reads: both processes stamp CLOCK_MONOTONIC (mono-clock.ts) when a chunk reaches
 * their code and when they call write(). Per transaction:
 *   slave_late   reply written minus (request's first chunk + 263 chars + t3.5), the pacing error
 *   to_master    reply write call -> its last chunk in the engine
 *   master_late  next request's write call minus (that last chunk + t3.5), the engine's overshoot
 *   to_slave     request write call -> its first chunk in the slave
 * Setups: the rig (socat pair or the slave's own pty) and each side's serial I/O (serialport's
 * thread-pool stream, or SerialLine / tty handles on the event loop). Not a *.bench.ts: run it
 * by hand, `node test/bench/rtu-trace.ts [reads] [rounds]`; prints one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { SerialPort } from 'serialport';
import { FieldBus } from '../../src/field/field-bus.ts';
import { RtuLink } from '../../src/field/rtu-link.ts';
import { SerialLine } from '../../src/field/serial-line.ts';
import { t35S, wireTimeS, type SerialFraming } from '../../src/field/wire-timing.ts';
import { createLogger } from '../../src/log.ts';
import { buildConfig, startPtyPair } from '../helpers/field-fixture.ts';
import { monoMs } from './mono-clock.ts';
import { startSlaveProcess } from './rtu-slave-client.ts';

type Io = 'serialport' | 'line';
interface Setup {
  name: string;
  rig: 'socat' | 'own-pty';
  slave: Io;
  master: Io;
}
const setups: Setup[] = [
  { name: 'before: socat, serialport both sides', rig: 'socat', slave: 'serialport', master: 'serialport' },
  { name: 'socat, engine on SerialLine', rig: 'socat', slave: 'serialport', master: 'line' },
  { name: 'socat, SerialLine both sides', rig: 'socat', slave: 'line', master: 'line' },
  { name: 'own pty, engine on serialport', rig: 'own-pty', slave: 'line', master: 'serialport' },
  { name: 'now: own pty, engine on SerialLine', rig: 'own-pty', slave: 'line', master: 'line' },
];
const reads = Number(process.argv[2] ?? 150);
const rounds = Number(process.argv[3] ?? 3);
const framing: SerialFraming = { baud: 115200, data_bits: 8, parity: 'even', stop_bits: 1 };
const charMs = wireTimeS(framing, 1) * 1000;
const t35Ms = t35S(framing) * 1000;
const cycleMs = 263 * charMs + 2 * t35Ms;

async function openStream(path: string, io: Io): Promise<{ stream: Duplex; close: () => Promise<void> }> {
  if (io === 'line') {
    const line = await SerialLine.open(path, framing);
    return { stream: line, close: () => line.close() };
  }
  const port = new SerialPort({ path, baudRate: framing.baud, parity: 'even', autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  return { stream: port, close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())) };
}

type Hops = Record<'slave_late' | 'to_master' | 'master_late' | 'to_slave' | 'cycle_over', number[]>;

async function run(dir: string, s: Setup, hops: Hops): Promise<void> {
  const pty = s.rig === 'socat' ? await startPtyPair(dir, 'trace') : undefined;
  const slave = await startSlaveProcess(pty?.b, framing.baud, s.slave === 'serialport');
  const master = { rx: [] as number[], tx: [] as number[] };
  try {
    const cfg = buildConfig([{ id: 'rs485', transport: 'rtu', path: pty ? pty.a : slave.path, baud: framing.baud, parity: 'even', timeout_ms: 1000, retries: 0 }], []);
    const bus = new FieldBus(cfg.buses[0]!, createLogger({ level: 'silent' }), undefined, async () => {
      const { stream, close } = await openStream(pty ? pty.a : slave.path, s.master);
      stream.prependListener('data', () => master.rx.push(monoMs()));
      const write = stream.write.bind(stream) as (chunk: Buffer) => boolean;
      stream.write = ((chunk: Buffer) => (master.tx.push(monoMs()), write(chunk))) as typeof stream.write;
      return new RtuLink(stream, framing, { close });
    });
    for (let i = 0; i <= reads; i++) await bus.transact('trace', { unit: 1, fn: 3, address: 0, count: 125 });
    await bus.close();
    const sl = await slave.trace();
    // Transaction k: master tx[k] -> slave rx (first chunk after its tx[k-1]) -> slave tx[k] -> master rx (last chunk before tx[k+1]).
    const firstAfter = (xs: number[], t: number): number => xs.find((x) => x >= t)!;
    const lastBefore = (xs: number[], t: number): number => xs.findLast((x) => x <= t)!;
    for (let k = 1; k + 1 < master.tx.length; k++) {
      const reqIn = firstAfter(sl.rx, sl.tx[k - 1]!);
      const replyOut = sl.tx[k]!;
      const replyIn = lastBefore(master.rx, master.tx[k + 1]!);
      const nextOut = master.tx[k + 1]!;
      const nextIn = firstAfter(sl.rx, replyOut);
      hops.slave_late.push(replyOut - reqIn - 263 * charMs - t35Ms);
      hops.to_master.push(replyIn - replyOut);
      hops.master_late.push(nextOut - replyIn - t35Ms);
      hops.to_slave.push(nextIn - nextOut);
      hops.cycle_over.push(nextIn - reqIn - cycleMs);
    }
  } finally {
    await slave.stop();
    await pty?.stop();
  }
}

const q = (xs: number[], p: number): number => +[...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))]!.toFixed(3);
const mean = (xs: number[]): number => +(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(3);
const dir = mkdtempSync(join(tmpdir(), 'loopgate-trace-'));
const all = new Map(setups.map((s) => [s.name, { slave_late: [], to_master: [], master_late: [], to_slave: [], cycle_over: [] } as Hops]));
const load0 = loadavg()[0]!;
try {
  // Interleaved, so load changes on the machine hit every setup alike.
  for (let r = 0; r < rounds; r++) for (const s of setups) await run(dir, s, all.get(s.name)!);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const results = Object.fromEntries(
  [...all].map(([name, h]) => [
    name,
    {
      ...Object.fromEntries(Object.entries(h).map(([k, xs]) => [k, { median: q(xs, 0.5), p90: q(xs, 0.9), mean: mean(xs) }])),
      efficiency: +(cycleMs / (cycleMs + mean(h.cycle_over))).toFixed(4),
    },
  ]),
);
console.log(JSON.stringify({ trace: 'rtu-115200-8E1', unit: 'ms', t35_ms: t35Ms, wire_cycle_ms: +cycleMs.toFixed(3), transactions: reads - 1, rounds, results, loadavg: [load0, loadavg()[0]!].map((l) => +l.toFixed(2)) }));
