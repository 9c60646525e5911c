/**
 * Modbus/TCP at scale: the real daemon (`loopgate run`) polling 50 devices x 100 signals at 1 s,
 * each device behind its own endpoint (50 Modbus/TCP slaves in this process). Reports the
 * daemon's CPU (% of one core, from /proc utime+stime; median of three 10 s windows), RSS and
 * peak RSS, and the transactions the slaves served (proof it polled at rate). The daemon runs as
 * deployed: with the Node flags of systemd/loopgate.service's ExecStart (reported as node_flags);
 * BENCH_NODE_FLAGS replaces them for an experiment (reported as flags_from: "BENCH_NODE_FLAGS").
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTcpSlave, type TcpSlave } from '../../src/sim/tcp-slave.ts';
import { freePort } from '../helpers/net.ts';
import { unitNodeFlags } from '../helpers/unit-flags.ts';

const DEVICES = 50;
const SIGNALS = 100;
const CLK_TCK = 100;


function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]); // utime, stime (fields 14, 15)
}

function memKb(pid: number, key: 'VmRSS' | 'VmHWM'): number {
  return Number(new RegExp(`${key}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

const source = { read: (_u: number, _f: number, a: number, c: number) => ({ kind: 'values' as const, values: Array.from({ length: c }, (_, i) => (a * 7 + i) & 0xffff) }) };
const slaves: TcpSlave[] = [];
for (let i = 0; i < DEVICES; i++) slaves.push(await startTcpSlave(source));
const types = ['uint16', 'int16', 'float32', 'uint32', 'float64'];
const lines = ['site: bench', 'log: { level: warn }', `gate: { listen: "127.0.0.1:${await freePort()}", http: { listen: "127.0.0.1:${await freePort()}", enabled: false } }`, 'metrics: { prometheus: { enabled: false } }', 'buses:'];
slaves.forEach((s, i) => lines.push(`  - { id: plc${i}, transport: tcp, host: 127.0.0.1, port: ${s.port}, timeout_ms: 1000 }`));
lines.push('devices:');
slaves.forEach((_, i) => {
  lines.push(`  - id: dev${i}`, `    bus: plc${i}`, '    unit: 1', '    poll_ms: 1000', '    signals:');
  let addr = 0;
  for (let k = 0; k < SIGNALS; k++) {
    const type = types[k % types.length]!;
    const table = k % 3 === 0 ? 'input' : 'holding';
    lines.push(`      - { id: d${i}_s${k}, table: ${table}, address: ${addr}, type: ${type}, scale: 0.1 }`);
    addr += (type === 'float64' ? 4 : type.endsWith('32') ? 2 : 1) + (k % 4 === 0 ? 3 : 0);
  }
});
const dir = mkdtempSync(join(tmpdir(), 'loopgate-bench-'));
const file = join(dir, 'bench.yaml');
writeFileSync(file, lines.join('\n') + '\n');
const flagsOverride = process.env['BENCH_NODE_FLAGS'];
const nodeFlags = flagsOverride !== undefined ? flagsOverride.split(' ').filter(Boolean) : unitNodeFlags();
const daemon = spawn(process.execPath, [...nodeFlags, join(import.meta.dirname, '../../bin/loopgate.js'), 'run', '--config', file], { stdio: ['ignore', 'ignore', 'inherit'] });
const served = (): number => slaves.reduce((n, s) => n + [...s.functionCodes.values()].reduce((a, b) => a + b, 0), 0);
try {
  const deadline = Date.now() + 30_000;
  while (served() < DEVICES && Date.now() < deadline) await sleep(100);
  if (served() < DEVICES) throw new Error('the daemon did not poll every device');
  await sleep(3000); // warm-up
  const windows: number[] = [];
  const t0served = served();
  const t0 = Date.now();
  for (let w = 0; w < 3; w++) {
    const c0 = cpuTicks(daemon.pid!);
    const w0 = Date.now();
    await sleep(Number(process.env['BENCH_WINDOW_MS'] ?? 10_000));
    windows.push(((cpuTicks(daemon.pid!) - c0) / CLK_TCK / ((Date.now() - w0) / 1000)) * 100);
  }
  const seconds = (Date.now() - t0) / 1000;
  const txPerS = (served() - t0served) / seconds;
  const rss = memKb(daemon.pid!, 'VmRSS') / 1024;
  const hwm = memKb(daemon.pid!, 'VmHWM') / 1024;
  windows.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      bench: 'tcp-daemon',
      results: {
        devices: DEVICES,
        signals_per_device: SIGNALS,
        poll_ms: 1000,
        transactions_per_s: +txPerS.toFixed(1),
        signals_per_s_configured: DEVICES * SIGNALS,
        cpu_pct_of_one_core_median: +windows[1]!.toFixed(2),
        cpu_pct_windows: windows.map((x) => +x.toFixed(2)),
        rss_mb: +rss.toFixed(1),
        peak_rss_mb: +hwm.toFixed(1),
        node_flags: nodeFlags.join(' '),
        flags_from: flagsOverride !== undefined ? 'BENCH_NODE_FLAGS' : 'systemd/loopgate.service ExecStart',
      },
      machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version, load_avg_1m: loadavg()[0] },
    }),
  );
} finally {
  daemon.kill('SIGTERM');
  if (daemon.exitCode === null) await once(daemon, 'exit');
  for (const s of slaves) await s.close();
  rmSync(dir, { recursive: true, force: true });
}
