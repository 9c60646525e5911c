/**
 * The MQTT publisher component. The store's subscribe callback only pushes the sample onto an
 * array; a later turn of the event loop filters, encodes and appends to the spool (mqtt-spool.ts),
 * and a pump sends the spool in order over the link (mqtt-link.ts) with a bounded window of
 * unacknowledged messages. A slow or dead broker grows the spool; it never delays polling or a
 * gate answer.
 */
import type { Counter, ObservableGauge, ObservableResult } from '@opentelemetry/api';
import type { MqttClient } from 'mqtt';
import type { MqttConfig } from '../config/schema.ts';
import { LoopgateError } from '../errors.ts';
import type { Component } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import type { Runtime } from '../runtime.ts';
import type { SignalSample } from '../signals/sample.ts';
import type { BackoffOptions } from './mqtt-backoff.ts';
import { defaultTopicPrefix, type MqttFormat } from './mqtt-format.ts';
import { jsonFormat } from './mqtt-json.ts';
import { MqttLink } from './mqtt-link.ts';
import type { OutboundMessage, SpooledMessage } from './mqtt-record.ts';
import { bdSeqPath, sparkplugFormat, withSparkplugSeq } from './mqtt-sparkplug.ts';
import { layerMetric } from './metric-names.ts';
import { SignalFilter } from './mqtt-signal-filter.ts';
import type { SparkplugCommand } from './sparkplug-command.ts';
import { Spool, type DropReason } from './mqtt-spool.ts';
import { readPrivateKey, readTlsFile } from './tls-files.ts';

export interface PublisherOptions {
  backoff?: BackoffOptions;
  /** How often zone status and the max-interval heartbeat are checked (default 1 s). */
  tickMs?: number;
  /** Most messages awaiting PUBACK at once (also capped by the broker's Receive Maximum). */
  window?: number;
  /** Bound on the clean-stop drain of queued messages (default 2 s). */
  drainMs?: number;
}

export class MqttPublisher implements Component {
  readonly name = 'mqtt';
  readonly prefix: string;
  private readonly rt: Runtime;
  private readonly cfg: MqttConfig;
  private readonly opts: PublisherOptions;
  private readonly log: Logger;
  private readonly format: MqttFormat;
  private readonly filter: SignalFilter;
  private spool: Spool | undefined;
  private link: MqttLink | undefined;
  private unsubscribe: (() => void) | undefined;
  private incoming: SignalSample[] = [];
  private drainScheduled = false;
  private tick: NodeJS.Timeout | undefined;
  private window = 1000;
  private spSeq = 0;
  private pumping = false;
  private pumpAgain = false;
  private stopping: Promise<void> | undefined;
  private lastZones = new Map<string, string>();
  private depthGauge: ObservableGauge | undefined;
  private droppedCounter: Counter | undefined;
  private readonly observeDepth = (r: ObservableResult): void => r.observe(this.spool?.depth() ?? 0);
  private dropWarn = { count: 0, at: 0 };
  published = 0;
  /** Sparkplug Rebirth requests answered, and other commands (NCMD/DCMD) ignored. */
  rebirths = 0;
  ignoredCommands = 0;
  private ignoredCounter: Counter | undefined;

  constructor(rt: Runtime, opts: PublisherOptions = {}) {
    if (!rt.config.mqtt) throw new LoopgateError('MQTT_NOT_CONFIGURED', 'MqttPublisher needs config.mqtt');
    this.rt = rt;
    this.cfg = rt.config.mqtt;
    this.opts = opts;
    this.log = rt.log.child({ component: 'mqtt' });
    this.prefix = this.cfg.topic_prefix ?? defaultTopicPrefix(rt.config.site, rt.config.gateway_id);
    this.format =
      this.cfg.format === 'sparkplug'
        ? sparkplugFormat({ config: rt.config, prefix: this.prefix, qos: this.cfg.qos, bdSeqFile: bdSeqPath(this.cfg.spool_dir) })
        : jsonFormat(this.prefix, this.cfg.qos);
    const deadbands = new Map<string, number>();
    for (const d of rt.config.devices) for (const s of d.signals) if (s.deadband !== undefined) deadbands.set(s.id, s.deadband);
    this.filter = new SignalFilter(deadbands, this.cfg.max_interval_ms, this.cfg.publish);
  }

  async start(): Promise<void> {
    const cfg = this.cfg;
    const tls = readTls(cfg);
    this.spool = await Spool.open({
      dir: cfg.spool_dir,
      maxBytes: cfg.spool_max_bytes,
      maxAgeMs: cfg.spool_max_age_s * 1000,
      log: this.log,
      clock: this.rt.clock,
      onDrop: (n, reason) => this.onDrop(n, reason),
      onAvailable: () => void this.pump(),
    });
    this.depthGauge = this.rt.meter.createObservableGauge('loopgate.mqtt.spool.depth', { unit: '{message}', description: 'MQTT messages waiting for the broker (spooled on disk until acknowledged)' });
    this.depthGauge.addCallback(this.observeDepth);
    this.droppedCounter = this.rt.meter.createCounter('loopgate.mqtt.spool.dropped', { unit: '{message}', description: 'MQTT messages dropped unsent: spool past its byte or age bound, a failed spool write, or refused by the broker' });
    this.ignoredCounter = this.rt.meter.createCounter(layerMetric.mqttCommandsIgnored, { unit: '{command}', description: 'Sparkplug NCMD/DCMD commands ignored (loopgate never writes to the field; only Rebirth is answered)' });
    this.link = new MqttLink({
      url: cfg.url,
      clientId: `loopgate-${this.rt.config.gateway_id}`,
      protocolVersion: cfg.protocol_version,
      username: cfg.username,
      password: cfg.password,
      ...tls,
      will: () => this.format.will(),
      log: this.log,
      ...(this.opts.backoff ? { backoff: this.opts.backoff } : {}),
      onUp: (client, info) => this.onUp(client, info.receiveMaximum),
      onDown: () => this.spool?.rewind(),
    });
    this.unsubscribe = this.rt.store.subscribe((s) => {
      this.incoming.push(s);
      if (!this.drainScheduled) {
        this.drainScheduled = true;
        setImmediate(() => this.drainIncoming());
      }
    });
    await this.link.start();
    this.tick = setInterval(() => this.onTick(), this.opts.tickMs ?? Math.min(1000, cfg.max_interval_ms));
    this.tick.unref();
  }

  /** Publishes one gate decision on <prefix>/gate/decisions (spooled like every data message). */
  publishDecision(decision: object): void {
    this.enqueue(this.format.decision(decision, this.rt.clock()));
  }

  /** Messages not yet acknowledged by the broker. */
  depth(): number {
    return this.spool?.depth() ?? 0;
  }

  dropped(): number {
    return this.spool?.droppedTotal ?? 0;
  }

  connected(): boolean {
    return this.link?.up ?? false;
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private async stopAll(): Promise<void> {
    this.unsubscribe?.();
    clearInterval(this.tick);
    this.drainIncoming();
    const spool = this.spool;
    const link = this.link;
    if (spool && link) {
      await spool.flush();
      const deadline = Date.now() + (this.opts.drainMs ?? 2000);
      while (link.up && spool.depth() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      const client = link.current();
      if (client) await this.publishDirect(client, this.format.goodbye(this.rt.clock()), 1000);
      await link.stop();
      await spool.close();
      if (spool.depth() > 0) this.log.info({ messages: spool.depth(), dir: this.cfg.spool_dir }, 'MQTT: unsent messages stay in the spool for the next start');
    }
    this.depthGauge?.removeCallback(this.observeDepth);
  }

  private enqueue(m: OutboundMessage): void {
    if (!this.spool || this.stopping) return;
    this.spool.append(m);
  }

  private drainIncoming(): void {
    this.drainScheduled = false;
    const batch = this.incoming;
    if (batch.length === 0) return;
    this.incoming = [];
    const now = this.rt.clock();
    const historical = !(this.link?.up ?? false);
    for (const s of batch) if (this.filter.offer(s, now)) this.enqueue(this.format.signal(s, historical));
  }

  private onTick(): void {
    const now = this.rt.clock();
    const snap = this.rt.store.snapshot(now);
    const historical = !(this.link?.up ?? false);
    for (const id of this.filter.due(now, snap.signals.keys())) {
      const s = snap.signals.get(id);
      if (s && this.filter.offer(s, now)) this.enqueue(this.format.signal(s, historical));
    }
    for (const z of snap.zones.values()) {
      const key = JSON.stringify([z.temperature, z.power, z.quality, z.reason]);
      const prev = this.lastZones.get(z.zoneId);
      if (prev === key && !this.zoneDue(z.zoneId, now)) continue;
      this.lastZones.set(z.zoneId, key);
      this.zoneAt.set(z.zoneId, now);
      this.enqueue(this.format.zone(z, now));
    }
  }

  private readonly zoneAt = new Map<string, number>();
  private zoneDue(id: string, now: number): boolean {
    return now - (this.zoneAt.get(id) ?? 0) >= this.cfg.max_interval_ms;
  }

  private onUp(client: MqttClient, receiveMaximum: number): void {
    this.window = Math.max(1, Math.min(this.opts.window ?? 1000, receiveMaximum));
    const gen = this.link!.generation;
    const commands = this.format.commands;
    if (commands) {
      // Subscribed before the births go out (Sparkplug 3.0): a host's Rebirth request sent right
      // after our NBIRTH is not missed. SUBSCRIBE precedes the PUBLISHes on the wire.
      client.on('message', (topic, payload) => {
        if (gen === this.link?.generation) this.onCommand(client, gen, commands.parse(topic, payload), topic);
      });
      client.subscribe(commands.topics, { qos: 0 }, (err) => {
        if (err && gen === this.link?.generation) this.log.warn({ err, topics: commands.topics }, 'MQTT: cannot subscribe to Sparkplug commands; Rebirth requests will not be answered on this connection');
      });
    }
    this.publishBirths(client, gen);
    void this.pump();
  }

  /** NBIRTH and every DBIRTH, published directly (not spooled) with the session seq reset to 0. */
  private publishBirths(client: MqttClient, gen: number): void {
    this.spSeq = 0;
    for (const m of this.format.births(this.rt.store.snapshot(), this.rt.clock())) {
      client.publish(m.topic, this.wire(m), { qos: m.qos, retain: m.retain }, (err) => {
        if (err && gen === this.link?.generation) this.log.warn({ err, topic: m.topic }, 'MQTT birth message not delivered');
      });
    }
  }

  /**
   * A Rebirth request: the births again, in this same turn of the event loop, so no DDATA goes
   * out between the request and the new NBIRTH (bdSeq unchanged: same connection). Any other
   * command is counted and dropped; the gateway never writes to a PLC.
   */
  private onCommand(client: MqttClient, gen: number, cmd: SparkplugCommand, topic: string): void {
    if (cmd.kind === 'rebirth') {
      this.rebirths++;
      this.log.info({ topic }, 'MQTT: Sparkplug Rebirth requested; publishing NBIRTH and DBIRTHs again');
      this.publishBirths(client, gen);
      return;
    }
    this.ignoredCommands++;
    this.ignoredCounter?.add(1);
    if (this.ignoredCommands === 1) {
      this.log.warn({ topic, reason: cmd.reason }, 'MQTT: Sparkplug command ignored (loopgate never writes to the field); further ones are only counted (loopgate.mqtt.commands.ignored)');
    }
  }

  private wire(m: OutboundMessage): Buffer {
    if (!m.sparkplugSeq) return m.payload;
    const seq = this.spSeq;
    this.spSeq = (this.spSeq + 1) % 256;
    return withSparkplugSeq(m.payload, seq);
  }

  /** Sends the spool in order while the link is up and the window has room. Never rejects. */
  private async pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        for (;;) {
          const link = this.link;
          const spool = this.spool;
          const client = link?.current();
          if (!link || !spool || !client) return;
          const room = this.window - spool.inflightCount();
          if (room <= 0) break;
          const gen = link.generation;
          const msgs = await spool.read(Math.min(room, 512));
          if (gen !== link.generation || msgs.length === 0) break;
          for (const m of msgs) this.send(client, gen, m);
        }
      } while (this.pumpAgain);
    } catch (err) {
      this.log.error({ err }, 'MQTT: reading the spool failed; will retry on the next message');
    } finally {
      this.pumping = false;
    }
  }

  private send(client: MqttClient, gen: number, m: SpooledMessage): void {
    client.publish(m.topic, this.wire(m), { qos: m.qos, retain: m.retain }, (err) => {
      if (gen !== this.link?.generation) return; // that connection is gone: the spool resends from its cursor
      if (err) {
        if (!client.connected) return;
        // The broker answered with a failure reason code (e.g. not authorized): the message can
        // never go; counting it as dropped keeps it from blocking the queue forever.
        this.log.warn({ err, topic: m.topic }, 'MQTT broker refused a message; dropped');
        this.onDrop(1, 'refused');
      } else {
        this.published++;
      }
      this.spool?.ack(m.id);
      void this.pump();
    });
  }

  private publishDirect(client: MqttClient, m: OutboundMessage, boundMs: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, boundMs);
      t.unref();
      client.publish(m.topic, this.wire(m), { qos: m.qos, retain: m.retain }, () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  private onDrop(n: number, reason: DropReason | 'refused'): void {
    this.droppedCounter?.add(n, { 'loopgate.reason': reason });
    this.dropWarn.count += n;
    const now = Date.now();
    if (now - this.dropWarn.at >= 10_000) {
      this.log.warn({ dropped: this.dropWarn.count, reason, spool_max_bytes: this.cfg.spool_max_bytes, spool_max_age_s: this.cfg.spool_max_age_s }, 'MQTT spool past its bound: oldest messages dropped');
      this.dropWarn = { count: 0, at: now };
    }
  }
}

/** mqtt.tls from disk; the client key must be 0600/0400 like every private key (exit 78 otherwise). */
function readTls(cfg: MqttConfig): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  const out: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
  if (cfg.tls?.key) out.key = readPrivateKey(cfg.tls.key, 'mqtt.tls.key: private key');
  if (cfg.tls?.ca) out.ca = readTlsFile(cfg.tls.ca, 'mqtt.tls.ca');
  if (cfg.tls?.cert) out.cert = readTlsFile(cfg.tls.cert, 'mqtt.tls.cert');
  return out;
}
