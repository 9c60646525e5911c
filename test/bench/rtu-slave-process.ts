/**
 * Runs loopgate's wire-paced RTU slave in its own process (as a real device is its own
 * machine), so the master under test does not share an event loop or thread pool with it.
 * argv: `path` PATH BAUD [serialport] (a serial device, e.g. one end of a socat pair; opened as
 * a SerialLine, or with serialport's own stream for before/after traces), or `own-pty` BAUD when
 * started by own-pty.py: the slave then owns the pty master (fds 3 and 5) and serves the other
 * end (fd 4), with no relay process between master and slave and reads and writes on libuv's
 * event loop (tty handles). Prints "READY <path the master opens>"; on stdin, a line "stats"
 * prints the stats as JSON, "trace" the CLOCK_MONOTONIC stamps (ms) of each chunk received and
 * each reply written; exits when stdin closes.
 */
import { readlinkSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Duplex } from 'node:stream';
import { ReadStream, WriteStream } from 'node:tty';
import { SerialPort } from 'serialport';
import { SerialLine } from '../../src/field/serial-line.ts';
import { startRtuSlave } from '../../src/sim/rtu-slave.ts';
import { monoMs } from './mono-clock.ts';

const [mode, a1, a2, a3] = process.argv.slice(2);
const own = mode === 'own-pty';
const baud = Number(own ? a1 : a2);
const framing = { baud, data_bits: 8, parity: 'even', stop_bits: 1 } as const;
const path = own ? readlinkSync('/proc/self/fd/4') : a1!;

async function openStream(): Promise<Duplex> {
  if (own) return Duplex.from({ readable: new ReadStream(3), writable: new WriteStream(5) });
  if (a3 !== 'serialport') return SerialLine.open(path, framing);
  const port = new SerialPort({ path, baudRate: baud, parity: 'even', autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  return port;
}

const stream = await openStream();
// Stamps only: taken before the slave sees a chunk and just before its write call.
const trace = { rx: [] as number[], tx: [] as number[] };
stream.prependListener('data', () => trace.rx.push(monoMs()));
const write = stream.write.bind(stream) as (chunk: Buffer) => boolean;
stream.write = ((chunk: Buffer) => (trace.tx.push(monoMs()), write(chunk))) as typeof stream.write;

const slave = await startRtuSlave(
  { read: (_u, _f, a, c) => ({ kind: 'values', values: Array.from({ length: c }, (_, i) => (a + i) & 0xffff) }) },
  { stream, baud, parity: 'even', wirePaced: true },
);
console.log(`READY ${path}`);
const rl = createInterface({ input: process.stdin });
rl.on('line', (l) => {
  if (l.trim() === 'stats') console.log(JSON.stringify(slave.stats));
  if (l.trim() === 'trace') console.log(JSON.stringify(trace));
});
rl.on('close', () =>
  void slave.close().then(() => {
    if (a3 === 'serialport') (stream as SerialPort).close();
    process.exit(0);
  }),
);
