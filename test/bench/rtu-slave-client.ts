/** Starts rtu-slave-process.ts (the wire-paced slave in its own process) and talks to it. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { debianPython } from '../helpers/peers.ts';

export interface SlaveProcess {
  /** The device path the master opens. */
  path: string;
  stats(): Promise<{ t35Violations: number; minGapMs: number }>;
  /** CLOCK_MONOTONIC ms of each chunk the slave received (rx) and each reply it wrote (tx). */
  trace(): Promise<{ rx: number[]; tx: number[] }>;
  stop(): Promise<void>;
}

/** On its own pty (path undefined: own-pty.py), or on `path` (a SerialLine, or serialport's
 *  stream when `serialport`). */
export async function startSlaveProcess(path: string | undefined, baud: number, serialport = false): Promise<SlaveProcess> {
  const script = join(import.meta.dirname, 'rtu-slave-process.ts');
  const proc = path
    ? spawn(process.execPath, [script, 'path', path, String(baud), ...(serialport ? ['serialport'] : [])], { stdio: ['pipe', 'pipe', 'inherit'] })
    : spawn(debianPython, [join(import.meta.dirname, 'own-pty.py'), process.execPath, script, 'own-pty', String(baud)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
  const ready = /^READY (.+)$/.exec(String((await lines.next()).value));
  if (!ready) throw new Error('slave did not start');
  const ask = async <T>(what: string): Promise<T> => {
    proc.stdin!.write(`${what}\n`);
    return JSON.parse((await lines.next()).value as string) as T;
  };
  return {
    path: ready[1]!,
    stats: () => ask('stats'),
    trace: () => ask('trace'),
    stop: async () => {
      proc.stdin!.end();
      if (proc.exitCode === null) await once(proc, 'exit');
    },
  };
}
