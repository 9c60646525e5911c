/**
 * Runs loopgate's wire-paced RTU slave in its own process (as a real device is its own
 * machine), so the master under test does not share an event loop or thread pool with it.
 * argv: PATH BAUD. Prints "READY"; on a line "stats" on stdin prints the stats as JSON; exits
 * when stdin closes.
 */
import { createInterface } from 'node:readline';
import { startRtuSlave } from '../../src/sim/rtu-slave.ts';

const [path, baud] = process.argv.slice(2);
const slave = await startRtuSlave(
  { read: (_u, _f, a, c) => ({ kind: 'values', values: Array.from({ length: c }, (_, i) => (a + i) & 0xffff) }) },
  { path: path!, baud: Number(baud), parity: 'even', wirePaced: true },
);
console.log('READY');
const rl = createInterface({ input: process.stdin });
rl.on('line', (l) => {
  if (l.trim() === 'stats') console.log(JSON.stringify(slave.stats));
});
rl.on('close', () => void slave.close().then(() => process.exit(0)));
