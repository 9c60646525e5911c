/**
 * Config errors through the spawned CLI: each names file:line:column and the YAML path, says what
 * was expected and what was found, and exits 78.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.ts';

const tmp = tempDir();
after(() => tmp.cleanup());

// A small valid config; each case below breaks one thing in it.
const base = `site: t
buses:
  - id: b1
    transport: tcp
    host: 127.0.0.1
    port: 1502
devices:
  - id: d1
    bus: b1
    unit: 1
    poll_ms: 1000
    signals:
      - id: temp
        kind: temperature
        table: input
        address: 0
        loop: { raw: [0, 27648], eu: [0, 100] }
        unit: Cel
      - id: power
        kind: power
        table: holding
        address: 10
        type: float32
        unit: W
zones:
  - id: z1
    temperature: [temp]
    power: [power]
    limits: { temperature_max: 35, power_budget: 1000 }
`;

interface Case {
  name: string;
  /** Config text, or a function of the temp folder that returns the path to pass. */
  input: string | ((dir: string) => string);
  /** `file:line:col` suffix expected (line:col), or undefined for file-level problems. */
  at?: string;
  path: string;
  error: RegExp;
}

const cases: Case[] = [
  { name: 'typo in a key', input: base.replace('poll_ms: 1000', 'pol_ms: 1000'), at: '11:5', path: 'devices[0].pol_ms', error: /unknown key "pol_ms" \(did you mean "poll_ms"\?\)/ },
  { name: 'wrong type', input: base.replace('port: 1502', 'port: "fast"'), at: '6:11', path: 'buses[0].port', error: /expected number, found the string "fast"/ },
  { name: 'duplicate device id', input: base.replace('zones:', '  - id: d1\n    bus: b1\n    unit: 2\n    signals:\n      - { id: other, table: coil, address: 0, type: bool }\nzones:'), at: '25:9', path: 'devices[1].id', error: /duplicate device id "d1", first defined at devices\[0\]/ },
  { name: 'dangling bus reference', input: base.replace('bus: b1', 'bus: b2'), at: '9:10', path: 'devices[0].bus', error: /unknown bus "b2" \(buses: b1\)/ },
  { name: 'float32 at the last register', input: base.replace('address: 10', 'address: 65535'), at: '22:18', path: 'devices[0].signals[1].address', error: /float32 takes 2 registers, so it cannot start at 65535/ },
  { name: 'empty loop raw range', input: base.replace('raw: [0, 27648]', 'raw: [100, 100]'), at: '17:22', path: 'devices[0].signals[0].loop.raw', error: /non-empty raw range.*found \[100, 100\]/ },
  { name: 'not YAML', input: 'site: t\nbuses: [\n  - : :\n', at: '3:', path: '(yaml)', error: /not valid YAML/ },
  { name: 'empty file', input: '', at: '1:1', path: '(root)', error: /found an empty document/ },
  { name: 'missing file', input: (dir) => join(dir, 'does-not-exist.yaml'), path: '(file)', error: /cannot read config: no such file/ },
  { name: 'a directory given as the file', input: (dir) => dir, path: '(file)', error: /is a directory, expected a YAML file/ },
  { name: 'unknown enum value', input: base.replace('table: holding', 'table: holdings'), at: '21:16', path: 'devices[0].signals[1].table', error: /expected "coil" \| "discrete" \| "holding" \| "input", found the string "holdings"/ },
  { name: 'unknown transport', input: base.replace('transport: tcp', 'transport: udp'), at: '4:16', path: 'buses[0].transport', error: /expected 'rtu' \| 'tcp' \| 'rtu-over-tcp', found the string "udp"/ },
  { name: 'zone signal of the wrong kind', input: base.replace('temperature: [temp]', 'temperature: [power]'), at: '27:19', path: 'zones[0].temperature[0]', error: /expected a signal of kind "temperature", found "power" of kind "power"/ },
  { name: 'zone references a missing signal', input: base.replace('power: [power]', 'power: [pwr]'), at: '28:13', path: 'zones[0].power[0]', error: /unknown signal "pwr"/ },
  { name: 'overlapping signals', input: base.replace('address: 10', 'address: 0').replace('table: holding', 'table: input'), at: '22:18', path: 'devices[0].signals[1].address', error: /"power" overlaps signal "temp" at input 0/ },
  { name: 'missing required field', input: base.replace('    unit: 1\n', ''), at: '8:5', path: 'devices[0].unit', error: /expected number, found nothing \(the key is missing\)/ },
  { name: 'unit id out of range on a serial bus', input: base.replace('transport: tcp\n    host: 127.0.0.1\n    port: 1502', 'transport: rtu\n    path: /dev/ttyUSB0').replace('unit: 1', 'unit: 250'), at: '9:11', path: 'devices[0].unit', error: /unit id 1-247 on serial bus "b1", found 250/ },
  { name: 'number out of range', input: base.replace('poll_ms: 1000', 'poll_ms: 5'), at: '11:14', path: 'devices[0].poll_ms', error: /expected a number >= 10, found number 5/ },
  { name: 'duplicate YAML key', input: base.replace('site: t', 'site: t\nsite: u'), at: '2:1', path: '(yaml)', error: /Map keys must be unique/ },
  { name: 'plaintext gRPC off loopback', input: `${base}gate: { listen: 0.0.0.0:50051 }\n`, at: '30:17', path: 'gate.listen', error: /plaintext gRPC on non-loopback address 0\.0\.0\.0:50051/ },
  { name: 'TLS file missing', input: `${base}gate: { tls: { cert: missing.crt, key: missing.key } }\n`, at: '30:22', path: 'gate.tls.cert', error: /file not found: .*missing\.crt/ },
  {
    name: 'private key readable by others',
    input: (dir) => {
      writeFileSync(join(dir, 'srv.crt'), 'x');
      const key = join(dir, 'srv.key');
      writeFileSync(key, 'x');
      chmodSync(key, 0o644);
      const cfg = join(dir, 'key-mode.yaml');
      writeFileSync(cfg, `${base}gate: { tls: { cert: srv.crt, key: srv.key } }\n`);
      return cfg;
    },
    at: '30:36',
    path: 'gate.tls.key',
    error: /readable by group or others \(mode 0644\); run: chmod 600/,
  },
  { name: 'MQTT TLS settings with a plaintext URL', input: `${base}mqtt: { url: "mqtt://broker:1883", tls: { ca: ca.crt } }\n`, at: '30:41', path: 'mqtt.tls', error: /TLS settings given but mqtt\.url is plaintext mqtt:\/\/, so they would go unused; use mqtts:\/\// },
  {
    name: 'MQTT client key readable by group',
    input: (dir) => {
      writeFileSync(join(dir, 'ca.crt'), 'x');
      writeFileSync(join(dir, 'cl.crt'), 'x');
      const key = join(dir, 'cl.key');
      writeFileSync(key, 'x');
      chmodSync(key, 0o640);
      const cfg = join(dir, 'mqtt-key-mode.yaml');
      writeFileSync(cfg, `${base}mqtt: { url: "mqtts://broker:8883", tls: { ca: ca.crt, cert: cl.crt, key: cl.key } }\n`);
      return cfg;
    },
    at: '30:75',
    path: 'mqtt.tls.key',
    error: /private key .*cl\.key is readable by group or others \(mode 0640\); run: chmod 600/,
  },
  { name: 'a list at the top', input: '- a\n- b\n', at: '1:1', path: '(root)', error: /expected object, found a list of 2/ },
];

describe('check-config rejects bad configs with place and exit 78', () => {
  cases.forEach((c, i) => {
    test(c.name, async () => {
      const file = typeof c.input === 'string' ? tmp.write(`case-${i}.yaml`, c.input) : c.input(tmp.dir);
      const res = await runCli(['check-config', file]);
      assert.equal(res.code, 78, `exit code; stderr: ${res.stderr}`);
      const line = res.stderr.split('\n').find((l) => l.includes(`: ${c.path}: `));
      assert.ok(line, `a problem at path ${c.path} in:\n${res.stderr}`);
      assert.ok(line.startsWith(`${file}${c.at === undefined ? ':' : `:${c.at}`}`), `place ${file}:${c.at ?? ''} in: ${line}`);
      assert.match(line, c.error);
    });
  });

  test('reports every problem at once', async () => {
    const bad = base.replace('pol_ms', 'x').replace('poll_ms: 1000', 'pol_ms: 1000').replace('port: 1502', 'port: "fast"');
    const res = await runCli(['check-config', tmp.write('many.yaml', bad)]);
    assert.equal(res.code, 78);
    assert.match(res.stderr, /invalid config \(2 problems\)/);
    assert.match(res.stderr, /buses\[0\]\.port/);
    assert.match(res.stderr, /devices\[0\]\.pol_ms/);
  });
});

describe('check-config accepts the shipped configs', () => {
  for (const file of ['config/loopgate.example.yaml', 'config/demo.yaml']) {
    test(file, async () => {
      const res = await runCli(['check-config', file]);
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, new RegExp(`^${file}: OK`));
      assert.match(res.stdout, /^bus \S+ \(/m);
      assert.match(res.stdout, /^zone hall-a: /m);
    });
  }

  test('--json prints the plan as data', async () => {
    const res = await runCli(['check-config', '--json', 'config/loopgate.example.yaml']);
    assert.equal(res.code, 0, res.stderr);
    const plan = JSON.parse(res.stdout) as { site: string; buses: { id: string; devices: { id: string; reads: unknown[] }[] }[] };
    assert.equal(plan.site, 'plant-7');
    assert.deepEqual(plan.buses.map((b) => b.id), ['rs485-a', 'hall-plc', 'gw-serial-server']);
    assert.ok(plan.buses[0]!.devices[0]!.reads.length > 0);
  });
});
