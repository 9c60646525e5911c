/**
 * `npm run test:chaos -- --report`: writes the soak's figures, with the hostile-input and security
 * suites' case counts, between the reliability markers in README.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/cli.ts';

export interface SoakResult {
  duration_s: number;
  clients: number;
  poll_ms: number;
  evaluations: number;
  evaluations_per_s: number;
  allows: number;
  gate_errors: number;
  unsafe_allows: number;
  faults: Record<string, number>;
  fault_windows_checked: number;
  broker_restarts: number;
  otlp_outages: number;
  mqtt_messages: number;
  mqtt_readings_expected: number;
  mqtt_lost: number;
  /** Subscriber reconnects after broker restarts, all with the session kept (else the soak fails). */
  mqtt_subscriber_reconnects: number;
  rss_mb: { after_warmup: number; end: number; growth_pct: number };
  crashed: boolean;
  failures: string[];
  node_flags: string[];
  machine: { cpu: string; cores: number; node: string };
}

const START = '<!-- chaos-report:start -->';
const END = '<!-- chaos-report:end -->';

/** Hostile inputs tried per `npm test` run (the counts are the suites' constants). */
export const HOSTILE_INPUTS: [string, string][] = [
  ['config YAML (test/hostile/config-fuzz.test.ts)', '400 seeded mutants of the example config + 13 pathological documents in-process; 12 through the spawned CLI'],
  ['gRPC Evaluate bodies (test/hostile/gate-fuzz.test.ts)', '39 crafted raw-protobuf bodies + 300 seeded random/bit-flipped + 1,800 oversize-field requests for the heap check'],
  ['invented rollouts (test/hostile/gate-state-bound.test.ts)', '25,000 distinct rollouts and request ids'],
  ['Modbus frames (test/hostile/modbus-slave.test.ts)', '>= 150 hostile replies over TCP and >= 150 over a socat pty (random, truncated, oversized, wrong unit/function/transaction, lying byte count, exception, silence, closed connection)'],
  ['HTTP adapter bodies (test/hostile/http-adapters-fuzz.test.ts)', '300 seeded mutated payloads, 40 x 10 MB bodies, 30 slow senders'],
  ['TLS peers (test/security/mtls-rejects.test.ts)', 'no cert, other CA, expired, not yet valid, self-signed; plaintext gRPC and 3 raw byte streams; 20 half-open handshakes'],
];

export function reportMarkdown(r: SoakResult): string {
  const faults = Object.entries(r.faults).sort().map(([k, n]) => `${k} ${n}`).join(', ');
  const rows: [string, string][] = [
    ['soak duration', `${r.duration_s} s (${r.duration_s >= 600 ? 'full' : 'bounded'} run), every device polled at ${r.poll_ms} ms, staleness at 1 s`],
    ['load held', `${r.clients} concurrent gRPC gate clients: ${r.evaluations.toLocaleString('en')} evaluations (${r.evaluations_per_s}/s), ${r.gate_errors} errors`],
    ['faults injected and survived', `${faults}; ${r.broker_restarts} mosquitto restarts; ${r.otlp_outages} OTLP receiver outages`],
    ['gate consistency', `${r.unsafe_allows} ALLOWs for a zone with a bad or stale input (${r.fault_windows_checked} fault windows checked, ${r.allows.toLocaleString('en')} ALLOWs in all)`],
    ['data lost', `${r.mqtt_lost} MQTT readings lost of ${r.mqtt_readings_expected.toLocaleString('en')} (per-signal seq over every reading, \`publish: every_sample\`; ${r.mqtt_messages.toLocaleString('en')} messages received; the subscriber's persistent session kept across ${r.mqtt_subscriber_reconnects} broker restarts)`],
    ['memory', `RSS ${r.rss_mb.after_warmup} MB after warm-up -> ${r.rss_mb.end} MB at the end (${r.rss_mb.growth_pct >= 0 ? '+' : ''}${r.rss_mb.growth_pct} %), daemon run with the unit's \`${r.node_flags.join(' ')}\``],
    ['crashes, unhandled rejections', r.crashed || r.failures.length > 0 ? `FAILED: ${r.failures.join('; ').slice(0, 300)}` : '0'],
    ...HOSTILE_INPUTS.map(([k, v]): [string, string] => [`inputs tried: ${k}`, v]),
    ['machine', `${r.machine.cpu}, ${r.machine.cores} cores (shared), Node ${r.machine.node}`],
  ];
  return [START, '', '| what | figure |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${v.replace(/\|/g, '\\|')} |`), '', `Written by \`npm run test:chaos -- --duration ${r.duration_s} --report\`.`, '', END].join('\n');
}

export function writeReport(r: SoakResult): void {
  const file = join(repoRoot, 'README.md');
  const text = readFileSync(file, 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${START} ... ${END} block`);
  writeFileSync(file, text.slice(0, a) + reportMarkdown(r) + text.slice(b + END.length));
}
