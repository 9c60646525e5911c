/**
 * Checks that span fields, run after the schema passed: references, uniqueness, register layout,
 * listeners and the files the config points at.
 */
import { statSync } from 'node:fs';
import { isAbsolute, resolve, dirname } from 'node:path';
import { isBitTable, registerCount, type RawConfig, type SignalConfig } from './schema.ts';
import { formatPath, type ConfigProblem, type PathSegment, type SourceMap } from './problems.ts';

type Report = (path: readonly PathSegment[], message: string) => void;

export function crossCheck(cfg: RawConfig, src: SourceMap): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const report: Report = (path, message) => problems.push(src.problem(path, message));
  checkUniqueIds(cfg, report);
  checkDevices(cfg, report);
  checkZones(cfg, report);
  checkListeners(cfg, report);
  checkFiles(cfg, src.file, report);
  return problems;
}

function checkUniqueIds(cfg: RawConfig, report: Report): void {
  const unique = (what: string, items: { id: string; path: PathSegment[] }[]): void => {
    const seen = new Map<string, PathSegment[]>();
    for (const it of items) {
      const first = seen.get(it.id);
      if (first) report([...it.path, 'id'], `duplicate ${what} id "${it.id}", first defined at ${formatPath(first)}`);
      else seen.set(it.id, it.path);
    }
  };
  unique('bus', cfg.buses.map((b, i) => ({ id: b.id, path: ['buses', i] })));
  unique('device', cfg.devices.map((d, i) => ({ id: d.id, path: ['devices', i] })));
  unique('zone', cfg.zones.map((z, i) => ({ id: z.id, path: ['zones', i] })));
  // Signal ids are global: zones, metrics and MQTT topics name a signal without its device.
  unique('signal', cfg.devices.flatMap((d, i) => d.signals.map((s, j) => ({ id: s.id, path: ['devices', i, 'signals', j] }))));
}

function checkDevices(cfg: RawConfig, report: Report): void {
  const buses = new Map(cfg.buses.map((b) => [b.id, b]));
  cfg.devices.forEach((dev, i) => {
    const bus = buses.get(dev.bus);
    if (!bus) {
      const known = cfg.buses.map((b) => b.id).join(', ') || 'none defined';
      report(['devices', i, 'bus'], `device "${dev.id}": unknown bus "${dev.bus}" (buses: ${known})`);
    } else if (bus.transport !== 'tcp' && (dev.unit < 1 || dev.unit > 247)) {
      report(['devices', i, 'unit'], `device "${dev.id}": expected a unit id 1-247 on serial bus "${bus.id}", found ${dev.unit}`);
    }
    dev.signals.forEach((sig, j) => checkSignal(dev.id, sig, ['devices', i, 'signals', j], report));
    checkOverlaps(dev.id, dev.signals, ['devices', i], report);
  });
}

function checkSignal(deviceId: string, sig: SignalConfig, path: PathSegment[], report: Report): void {
  const where = `device "${deviceId}" signal "${sig.id}"`;
  if (isBitTable(sig.table)) {
    if (sig.type !== 'bool') report([...path, 'type'], `${where}: expected type "bool" in the ${sig.table} table, found "${sig.type}"`);
    if (sig.bit !== undefined) report([...path, 'bit'], `${where}: "bit" applies to registers, not to the ${sig.table} table`);
  } else {
    const count = registerCount(sig.type);
    const last = sig.address + count - 1;
    if (last > 65535) {
      report([...path, 'address'], `${where}: a ${sig.type} takes ${count} registers, so it cannot start at ${sig.address} (last register would be ${last}, the table ends at 65535)`);
    }
    if (sig.bit !== undefined && sig.type !== 'uint16' && sig.type !== 'int16' && sig.type !== 'bool') {
      report([...path, 'bit'], `${where}: "bit" needs a 16-bit register type (bool, uint16, int16), found "${sig.type}"`);
    }
  }
  if (sig.loop) {
    if (sig.scale !== undefined || sig.offset !== undefined) report([...path, 'loop'], `${where}: use either "loop" or "scale"/"offset", not both`);
    if (sig.loop.raw[0] === sig.loop.raw[1]) report([...path, 'loop', 'raw'], `${where}: expected a non-empty raw range (counts at 4 mA and 20 mA differ), found [${sig.loop.raw.join(', ')}]`);
    if (sig.loop.eu[0] === sig.loop.eu[1]) report([...path, 'loop', 'eu'], `${where}: expected a non-empty engineering range, found [${sig.loop.eu.join(', ')}]`);
    if (sig.type === 'bool' || sig.bit !== undefined) report([...path, 'loop'], `${where}: a 4-20 mA loop needs a numeric type, found "${sig.type}"`);
  }
}

/** Two signals of one device may not read the same register (or bit) unless one says allow_overlap. */
function checkOverlaps(deviceId: string, signals: readonly SignalConfig[], devPath: PathSegment[], report: Report): void {
  const owners = new Map<string, number>();
  signals.forEach((sig, j) => {
    const count = isBitTable(sig.table) ? 1 : registerCount(sig.type);
    for (let k = 0; k < count; k++) {
      const reg = sig.address + k;
      const key = `${sig.table}:${reg}:${sig.bit ?? '*'}`;
      const wholeKey = `${sig.table}:${reg}:*`;
      const clash = owners.get(key) ?? (sig.bit !== undefined ? owners.get(wholeKey) : undefined);
      const other = clash !== undefined ? signals[clash] : undefined;
      if (other && !sig.allow_overlap && !other.allow_overlap) {
        report([...devPath, 'signals', j, 'address'], `device "${deviceId}": signal "${sig.id}" overlaps signal "${other.id}" at ${sig.table} ${reg} (set allow_overlap: true if intended)`);
        return;
      }
      owners.set(key, j);
      if (sig.bit !== undefined) owners.set(`${sig.table}:${reg}:bits`, j);
      else if (owners.has(`${sig.table}:${reg}:bits`) && !sig.allow_overlap) {
        const bitOwner = signals[owners.get(`${sig.table}:${reg}:bits`)!];
        if (bitOwner && bitOwner !== sig && !bitOwner.allow_overlap) {
          report([...devPath, 'signals', j, 'address'], `device "${deviceId}": signal "${sig.id}" overlaps bit signal "${bitOwner.id}" at ${sig.table} ${reg} (set allow_overlap: true if intended)`);
          return;
        }
      }
    }
  });
}

function checkZones(cfg: RawConfig, report: Report): void {
  const signals = new Map(cfg.devices.flatMap((d) => d.signals.map((s) => [s.id, s] as const)));
  cfg.zones.forEach((zone, i) => {
    for (const role of ['temperature', 'power'] as const) {
      zone[role].forEach((sigId, j) => {
        const sig = signals.get(sigId);
        if (!sig) report(['zones', i, role, j], `zone "${zone.id}": unknown signal "${sigId}"`);
        else if (sig.kind !== role) report(['zones', i, role, j], `zone "${zone.id}": expected a signal of kind "${role}", found "${sigId}" of kind "${sig.kind}"`);
      });
    }
  });
}

function checkListeners(cfg: RawConfig, report: Report): void {
  const listeners: { path: PathSegment[]; addr: string }[] = [{ path: ['gate', 'listen'], addr: cfg.gate.listen }];
  if (cfg.gate.http?.enabled) listeners.push({ path: ['gate', 'http', 'listen'], addr: cfg.gate.http.listen });
  if (cfg.metrics.prometheus.enabled) listeners.push({ path: ['metrics', 'prometheus', 'listen'], addr: cfg.metrics.prometheus.listen });
  const ports = new Map<string, PathSegment[]>();
  for (const l of listeners) {
    const port = l.addr.slice(l.addr.lastIndexOf(':') + 1);
    const first = ports.get(port);
    if (first && port !== '0') report(l.path, `port ${port} is already taken by ${formatPath(first)}`);
    else ports.set(port, l.path);
  }
  const gate = cfg.gate;
  if (!gate.tls && !isLoopback(hostOf(gate.listen)) && !gate.insecure) {
    report(['gate', 'listen'], `plaintext gRPC on non-loopback address ${gate.listen}: configure gate.tls, listen on 127.0.0.1, or set gate.insecure: true`);
  }
  if (gate.tls?.allowed_clients && !gate.tls.client_ca) {
    report(['gate', 'tls', 'allowed_clients'], 'allowed_clients needs gate.tls.client_ca (client certificates are only verified against a CA)');
  }
  // TLS settings next to a plaintext URL would be silently unused: the operator meant TLS.
  const mqtt = cfg.mqtt;
  const scheme = mqtt?.url.slice(0, mqtt.url.indexOf(':'));
  if (mqtt?.tls && (scheme === 'mqtt' || scheme === 'ws')) {
    report(['mqtt', 'tls'], `TLS settings given but mqtt.url is plaintext ${scheme}://, so they would go unused; use ${scheme === 'mqtt' ? 'mqtts' : 'wss'}:// (or remove mqtt.tls)`);
  }
}

function checkFiles(cfg: RawConfig, configFile: string, report: Report): void {
  const base = dirname(configFile);
  const check = (path: PathSegment[], file: string | undefined, isKey: boolean): void => {
    if (file === undefined) return;
    const full = isAbsolute(file) ? file : resolve(base, file);
    let st;
    try {
      st = statSync(full);
    } catch {
      report(path, `file not found: ${full}`);
      return;
    }
    if (!st.isFile()) {
      report(path, `expected a file, found a directory or device: ${full}`);
      return;
    }
    if (isKey && (st.mode & 0o077) !== 0) {
      const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
      report(path, `private key ${full} is readable by group or others (mode ${mode}); run: chmod 600 ${full}`);
    }
  };
  const server = (path: PathSegment[], tls: { cert: string; key: string; client_ca?: string | undefined } | undefined): void => {
    if (!tls) return;
    check([...path, 'cert'], tls.cert, false);
    check([...path, 'key'], tls.key, true);
    check([...path, 'client_ca'], tls.client_ca, false);
  };
  const client = (path: PathSegment[], tls: { ca?: string | undefined; cert?: string | undefined; key?: string | undefined } | undefined): void => {
    if (!tls) return;
    check([...path, 'ca'], tls.ca, false);
    check([...path, 'cert'], tls.cert, false);
    check([...path, 'key'], tls.key, true);
    if ((tls.cert === undefined) !== (tls.key === undefined)) report(path, 'a client certificate needs both "cert" and "key"');
  };
  server(['gate', 'tls'], cfg.gate.tls);
  server(['metrics', 'prometheus', 'tls'], cfg.metrics.prometheus.tls);
  client(['metrics', 'otlp', 'tls'], cfg.metrics.otlp?.tls);
  client(['mqtt', 'tls'], cfg.mqtt?.tls);
}

export function hostOf(listen: string): string {
  const host = listen.slice(0, listen.lastIndexOf(':'));
  return host.startsWith('[') ? host.slice(1, -1) : host;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
