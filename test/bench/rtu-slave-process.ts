/**
 * Runs loopgate's wire-paced RTU slave in its own process (as a real device is its own
 * machine), so the master under test does not share an event loop or thread pool with it.
 * argv: PATH BAUD (a serial device, e.g. one end of a socat pair), or `own-pty` BAUD when
 * started by own-pty.py: the slave then owns the pty master (fds 3 and 5) and serves the other
 * end (fd 4), with no relay process between master and slave and reads and writes on libuv's
 * event loop (tty handles). Prints "READY <path the master opens>"; on a line "stats" on stdin
 * prints the stats as JSON; exits when stdin closes.
 */
import { readlinkSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Duplex } from 'node:stream';
import { ReadStream, WriteStream } from 'node:tty';
import { startRtuSlave } from '../../src/sim/rtu-slave.ts';

const [where, baud] = process.argv.slice(2);
const own = where === 'own-pty';
const slave = await startRtuSlave(
  { read: (_u, _f, a, c) => ({ kind: 'values', values: Array.from({ length: c }, (_, i) => (a + i) & 0xffff) }) },
  own
    ? { stream: Duplex.from({ readable: new ReadStream(3), writable: new WriteStream(5) }), baud: Number(baud), parity: 'even', wirePaced: true }
    : { path: where!, baud: Number(baud), parity: 'even', wirePaced: true },
);
console.log(`READY ${own ? readlinkSync('/proc/self/fd/4') : where}`);
const rl = createInterface({ input: process.stdin });
rl.on('line', (l) => {
  if (l.trim() === 'stats') console.log(JSON.stringify(slave.stats));
});
rl.on('close', () => void slave.close().then(() => process.exit(0)));
