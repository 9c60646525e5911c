/**
 * What the daemon loads: `loopgate run` imports the whole CLI table and builds the service; the
 * optional parts (OTLP exporter, MQTT.js, serialport, gRPC reflection, the simulator, Node's
 * undici) must not load unless the config uses them. Each case runs in a fresh Node that records
 * every module it resolves; with the part configured, the same check sees it load at start().
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { repoRoot, tempDir } from '../helpers/cli.ts';

const probe = `
import { registerHooks } from 'node:module';
const seen = new Set();
registerHooks({ resolve(spec, ctx, next) { const r = next(spec, ctx); seen.add(r.url); return r; } });
const { parseConfig } = await import('./src/config/load.ts');
await import('./src/cli/commands.ts');
const { Service } = await import('./src/service.ts');
const { createLogger } = await import('./src/log.ts');
const config = parseConfig(process.env.PROBE_CONFIG);
const service = new Service({ config, log: createLogger({ level: 'silent' }) });
if (process.env.PROBE_START) { await service.start(); await service.stop(); }
const urls = [...seen];
const has = (part) => urls.some((u) => u.includes(part));
process.stdout.write(JSON.stringify({
  otlp: has('/exporter-metrics-otlp-grpc/'),
  mqtt: has('/node_modules/mqtt/'),
  serialport: has('/node_modules/serialport/'),
  reflection: has('/@grpc/reflection/'),
  simulator: has('/src/sim/simulator.ts'),
  undici: process.moduleLoadList.some((m) => m.includes('undici')),
}));
`;

const base = `
site: t
gateway_id: gw
log: { level: warn }
metrics: { prometheus: { listen: "127.0.0.1:0" } }
buses: [{ id: b, transport: tcp, host: 127.0.0.1, port: 1, timeout_ms: 100 }]
devices:
  - { id: d, bus: b, unit: 1, signals: [{ id: s, table: holding, address: 0, type: uint16 }] }
`;

function loaded(config: string, start = false): Record<string, boolean> {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: repoRoot, env: { ...process.env, PROBE_CONFIG: config, ...(start ? { PROBE_START: '1' } : {}) }, encoding: 'utf8' });
  return JSON.parse(out) as Record<string, boolean>;
}

test('a TCP-only daemon without OTLP, MQTT or reflection loads none of them (nor the simulator, nor undici)', () => {
  const parts = loaded(`${base}gate: { listen: "127.0.0.1:0", reflection: false }\n`, true);
  assert.deepEqual(parts, { otlp: false, mqtt: false, serialport: false, reflection: false, simulator: false, undici: false });
});

test('configured parts load at start(): OTLP exporter, MQTT.js and gRPC reflection', (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const spool = tmp.dir;
  const config =
    base.replace('metrics: { prometheus: { listen: "127.0.0.1:0" } }', 'metrics: { prometheus: { enabled: false }, otlp: { endpoint: "http://127.0.0.1:1", interval_ms: 60000 } }') +
    `gate: { listen: "127.0.0.1:0", reflection: true }\nmqtt: { url: "mqtt://127.0.0.1:1", spool_dir: "${spool}" }\n`;
  assert.deepEqual(loaded(config, false), { otlp: false, mqtt: false, serialport: false, reflection: false, simulator: false, undici: false }, 'building the service loads neither');
  const started = loaded(config, true);
  assert.equal(started.otlp, true);
  assert.equal(started.mqtt, true);
  assert.equal(started.reflection, true);
});
