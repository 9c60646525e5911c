/**
 * Known values in all four tables, in every type and order, for the real-peer tests: the
 * signals (config), the register/bit images per unit, a RegisterSource serving those images,
 * and helpers to run a pymodbus peer and a socat pty pair.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { configSchema, type Config, valueTypes, type SignalConfig, type TableName } from '../../src/config/schema.ts';
import { encodeValue } from '../../src/field/decode.ts';
import type { RawValue } from '../../src/field/readings.ts';
import type { RegisterSource, SlaveReply } from '../../src/sim/register-source.ts';
import { debianPython } from './peers.ts';

export type Image = Record<TableName, Map<number, number>>;

const typeValues: Record<string, number> = {
  int16: -12345, uint16: 54321, int32: -123456789, uint32: 3_000_000_000, int64: -1_234_567_890_123, uint64: 2 ** 53 - 1,
  float32: Math.fround(-273.15), float64: Math.PI * 1e6, bool: 1,
};
const orders = [['big', 'big'], ['little', 'big'], ['big', 'little'], ['little', 'little']] as const;

/** Signals of one device (ids prefixed) and the expected decoded values; `k` varies the values per unit. */
export function fixtureDevice(prefix: string, k: number): { signals: Record<string, unknown>[]; expected: Map<string, RawValue>; image: Image } {
  const image: Image = { coil: new Map(), discrete: new Map(), holding: new Map(), input: new Map() };
  const signals: Record<string, unknown>[] = [];
  const expected = new Map<string, RawValue>();
  for (const table of ['holding', 'input'] as const) {
    let addr = table === 'holding' ? 0 : 100;
    for (const type of valueTypes) {
      if (type === 'bool') continue;
      for (const [word_order, byte_order] of orders) {
        const id = `${prefix}_${table}_${type}_${word_order[0]}${byte_order[0]}`;
        const value = type === 'float32' ? Math.fround(typeValues[type]! * k) : type === 'float64' ? typeValues[type]! * k : Math.trunc(typeValues[type]! / k);
        const spec = { table, type, word_order, byte_order } as const;
        const regs = encodeValue(value, spec);
        regs.forEach((r, i) => image[table].set(addr + i, r));
        signals.push({ id, table, address: addr, type, word_order, byte_order });
        expected.set(id, value);
        addr += regs.length + (addr % 3); // scattered: some holes
      }
    }
  }
  // Bit fields of one register, and bits in coil and discrete inputs.
  image.holding.set(300, 0b1010_0000_0000_0101 ^ k);
  for (const bit of [0, 1, 2, 15]) {
    const id = `${prefix}_flag${bit}`;
    signals.push({ id, table: 'holding', address: 300, type: 'bool', bit, allow_overlap: true });
    expected.set(id, ((image.holding.get(300)! >> bit) & 1) === 1);
  }
  for (const table of ['coil', 'discrete'] as const) {
    for (let i = 0; i < 12; i++) {
      const addr = i * 3 + (table === 'coil' ? 0 : 50);
      const v = (i + k) % 3 === 0 ? 1 : 0;
      image[table].set(addr, v);
      const id = `${prefix}_${table}${i}`;
      signals.push({ id, table, address: addr, type: 'bool' });
      expected.set(id, v === 1);
    }
  }
  return { signals, expected, image };
}

/** Serves images per unit; other units are silent; reads past address 599 answer exception 2. */
export function imageSource(images: ReadonlyMap<number, Image>): RegisterSource {
  const tableOf = { 1: 'coil', 2: 'discrete', 3: 'holding', 4: 'input' } as const;
  return {
    read(unit, fn, address, count): SlaveReply {
      const img = images.get(unit);
      if (!img) return { kind: 'silent' };
      if (address + count > 600) return { kind: 'exception', code: 2 };
      const t = img[tableOf[fn]];
      return { kind: 'values', values: Array.from({ length: count }, (_, i) => t.get(address + i) ?? 0) };
    },
  };
}

export function buildConfig(buses: unknown[], devices: unknown[]): Config {
  return { ...configSchema.parse({ site: 'test', buses, devices }), gateway_id: 'test' };
}

export interface Peer {
  proc: ChildProcess;
  port: number;
  functionCodes: number[];
  stop(): Promise<void>;
}

/** Starts the pymodbus peer (TCP when `serial` is absent) and waits for READY. */
export async function startPymodbus(dir: string, images: ReadonlyMap<number, Image>, opts: { serial?: string; tcpPort?: number; baud?: number }): Promise<Peer> {
  const file = join(dir, 'values.json');
  const spec = Object.fromEntries([...images].map(([u, img]) => [u, Object.fromEntries(Object.entries(img).map(([t, m]) => [t, Object.fromEntries(m)]))]));
  writeFileSync(file, JSON.stringify(spec));
  const args = [join(import.meta.dirname, '../fixtures/pymodbus-peer.py'), '--values', file];
  // Linux ptys refuse PARENB (pyserial gets EINVAL); parity means nothing on a pty anyway.
  if (opts.serial) args.push('--serial', opts.serial, '--baud', String(opts.baud ?? 19200), '--parity', 'N');
  if (opts.tcpPort) args.push('--tcp-port', String(opts.tcpPort));
  const proc = spawn(debianPython, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const functionCodes: number[] = [];
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: proc.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`pymodbus peer exited (${code}): ${stderr}`)));
    lines.on('line', (l) => {
      const m = /^READY (\d+)/.exec(l);
      if (m) resolve(Number(m[1]));
      const f = /^FC (\d+)/.exec(l);
      if (f) functionCodes.push(Number(f[1]));
    });
  });
  return {
    proc,
    port,
    functionCodes,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGKILL');
      await once(proc, 'exit');
    },
  };
}

export interface PtyPair {
  a: string;
  b: string;
  stop(): Promise<void>;
}

/** `socat pty,raw,echo=0,link=A pty,raw,echo=0,link=B`; resolves once both links exist. */
export async function startPtyPair(dir: string, name = 'pty'): Promise<PtyPair> {
  const a = join(dir, `${name}-A`);
  const b = join(dir, `${name}-B`);
  const proc = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
  const deadline = Date.now() + 5000;
  while (!(existsSync(a) && existsSync(b))) {
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error('socat did not create the pty pair');
    await sleep(10);
  }
  return {
    a,
    b,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      await once(proc, 'exit');
    },
  };
}

export function collectingSink(): { values: Map<string, RawValue>; failures: Map<string, string>; sink: import('../../src/field/readings.ts').ReadingSink } {
  const values = new Map<string, RawValue>();
  const failures = new Map<string, string>();
  return {
    values,
    failures,
    sink: {
      values: (_d, _ts, vs) => vs.forEach(([id, v]) => (values.set(id, v), failures.delete(id))),
      failure: (_d, _ts, ids, f) => ids.forEach((id) => failures.set(id, f.kind)),
    },
  };
}

export type { SignalConfig };
