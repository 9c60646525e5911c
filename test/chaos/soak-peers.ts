/**
 * Peers of the soak: the soak config (config/demo.yaml on free ports, polls accelerated), a
 * restartable mosquitto with persistence, a persistent-session MQTT subscriber that tracks each
 * signal's seq, RSS sampling of a pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { parseDocument } from 'yaml';
import { repoRoot } from '../helpers/cli.ts';
import { freePort, waitForPort } from '../export/mqtt-peers.ts';

export { freePort };

export const POLL_MS = 100;
export const STALE_AFTER_MS = 1000;

export interface SoakPorts {
  plc: number;
  pdu: number;
  control: number;
  gate: number;
  metrics: number;
  mqtt: number;
  otlp: number;
}

/** config/demo.yaml with free ports, every poll at POLL_MS, staleness at STALE_AFTER_MS, MQTT and OTLP on. */
export function soakConfig(dir: string, ports: SoakPorts): { file: string; text: string } {
  const doc = parseDocument(readFileSync(join(repoRoot, 'config', 'demo.yaml'), 'utf8'));
  const data = doc.toJS() as Record<string, any>;
  data['log'] = { level: 'info' };
  data['buses'][0].port = ports.plc;
  data['buses'][1].port = ports.pdu;
  for (const b of data['buses']) b.timeout_ms = 300;
  for (const d of data['devices']) d.poll_ms = POLL_MS;
  for (const z of data['zones']) z.limits.stale_after_ms = STALE_AFTER_MS;
  data['gate'] = { listen: `127.0.0.1:${ports.gate}` };
  data['metrics'] = { prometheus: { listen: `127.0.0.1:${ports.metrics}` }, otlp: { endpoint: `http://127.0.0.1:${ports.otlp}`, interval_ms: 1000, timeout_ms: 1000 } };
  // every_sample: each reading is published once, so the per-signal seq must arrive without gaps.
  data['mqtt'] = { url: `mqtt://127.0.0.1:${ports.mqtt}`, topic_prefix: 'soak', spool_dir: join(dir, 'spool'), publish: 'every_sample', qos: 1 };
  const text = JSON.stringify(data, null, 2);
  const file = join(dir, 'soak.yaml');
  writeFileSync(file, text);
  return { file, text };
}

export class Mosquitto {
  private child: ChildProcess | undefined;
  readonly port: number;
  private readonly conf: string;
  restarts = 0;

  constructor(dir: string, port: number) {
    this.port = port;
    this.conf = join(dir, 'mosquitto.conf');
    // Started as root (CI), mosquitto drops to its own user, which cannot write its database in
    // the 0700 temp dir: persistence fails (logged only) and every restart loses the subscriber's
    // session. `user` keeps it as us, as test/export/mqtt-peers.ts does for its TLS files.
    writeFileSync(this.conf, `user ${userInfo().username}\nlistener ${port} 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location ${dir}/\nautosave_interval 1\nmax_queued_messages 0\nmax_inflight_messages 0\nlog_dest stderr\nlog_type error\n`);
  }

  async start(): Promise<void> {
    this.child = spawn('/usr/sbin/mosquitto', ['-c', this.conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    await waitForPort(this.port);
  }

  /** Graceful stop (persistence is written), down for `downMs`, started again on the same port. */
  async restart(downMs: number): Promise<void> {
    await this.stop();
    await new Promise((r) => setTimeout(r, downMs));
    await this.start();
    this.restarts++;
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null) return;
    c.kill('SIGTERM');
    await once(c, 'exit');
  }
}

/**
 * Persistent-session QoS 1 subscriber: each signal's seqs seen. Its session must survive every
 * broker restart (else messages replayed before it resubscribes are dropped by the broker, which
 * would be counted as lost): reconnects without the session are counted.
 */
export class SeqTracker {
  readonly seqs = new Map<string, Set<number>>();
  messages = 0;
  reconnects = 0;
  sessionsLost = 0;
  private client: MqttClient | undefined;

  async start(port: number): Promise<void> {
    this.client = connect(`mqtt://127.0.0.1:${port}`, { clientId: 'soak-tracker', clean: false, protocolVersion: 4, reconnectPeriod: 200 });
    this.client.on('error', () => {});
    await new Promise<void>((r) => this.client!.once('connect', () => r()));
    await this.client.subscribeAsync('soak/signals/#', { qos: 1 });
    this.client.on('connect', (connack) => {
      this.reconnects++;
      if (!connack.sessionPresent) this.sessionsLost++;
    });
    this.client.on('message', (_topic, payload) => {
      this.messages++;
      try {
        const m = JSON.parse(payload.toString()) as { signal: string; seq: number };
        let s = this.seqs.get(m.signal);
        if (!s) this.seqs.set(m.signal, (s = new Set()));
        s.add(m.seq);
      } catch {
        // not a signal record
      }
    });
  }

  /** Seqs missing between each signal's first and last seen seq. */
  lost(): { lost: number; expected: number; bySignal: Record<string, number> } {
    let lost = 0;
    let expected = 0;
    const bySignal: Record<string, number> = {};
    for (const [id, s] of this.seqs) {
      const min = Math.min(...s);
      const max = Math.max(...s);
      const miss = max - min + 1 - s.size;
      expected += max - min + 1;
      lost += miss;
      if (miss > 0) bySignal[id] = miss;
    }
    return { lost, expected, bySignal };
  }

  async stop(): Promise<void> {
    await this.client?.endAsync(true);
  }
}

export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}
