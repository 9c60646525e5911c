/**
 * The Modbus polling engine's components: one per bus (its connection, queue and the pollers of
 * its devices). Readiness: each bus opened once, and every device's first poll done.
 */
import type { Component } from '../lifecycle.ts';
import type { Liveness, LoopBeat } from '../liveness.ts';
import type { Runtime } from '../runtime.ts';
import { loadSerialPort } from './serial-line.ts';
import { DevicePoller } from './device-poller.ts';
import { FieldBus } from './field-bus.ts';
import { createFieldMetrics, type FieldMetrics } from './field-metrics.ts';

export class BusComponent implements Component {
  readonly name: string;
  readonly bus: FieldBus;
  readonly pollers: DevicePoller[];
  private readonly liveness: Liveness | undefined;
  private readonly loops: LoopBeat[] = [];

  constructor(rt: Runtime, bus: FieldBus, metrics: FieldMetrics) {
    this.name = `field-bus:${bus.config.id}`;
    this.bus = bus;
    this.liveness = rt.liveness;
    const log = rt.log.child({ component: 'bus', bus: bus.config.id });
    this.pollers = rt.config.devices.filter((d) => d.bus === bus.config.id).map((d) => new DevicePoller(d, bus, rt.store, log, rt.clock, metrics));
    // A bus without devices never transacts, so it is not waited for.
    if (this.pollers.length > 0) bus.connection.onOpen = rt.readiness.require(`bus ${bus.config.id} opened`);
    for (const p of this.pollers) p.onFirstPoll = rt.readiness.require(`device ${p.device.id} first poll`);
  }

  async start(): Promise<void> {
    if (this.bus.config.transport === 'rtu') await loadSerialPort();
    // Every device on the bus shares one queue, so a healthy poll may wait for every other
    // device's worst case; twice that plus the period is the longest a turning loop is silent.
    const busWorstMs = this.pollers.reduce((sum, p) => sum + p.worstPollMs(), 0);
    for (const p of this.pollers) {
      if (this.liveness) {
        const loop = this.liveness.register(`poll ${this.bus.config.id}/${p.device.id}`, Math.max(10_000, 2 * (p.device.poll_ms + busWorstMs)));
        p.onBeat = loop.beat;
        this.loops.push(loop);
      }
      p.start();
    }
  }

  async stop(): Promise<void> {
    for (const loop of this.loops.splice(0)) loop.done();
    await Promise.all(this.pollers.map((p) => p.stop()));
    await this.bus.close();
  }
}

export function createFieldComponents(rt: Runtime): Component[] {
  const metrics = createFieldMetrics(rt.meter);
  const components = rt.config.buses.map((b) => new BusComponent(rt, new FieldBus(b, rt.log.child({ component: 'bus', bus: b.id }), metrics), metrics));
  metrics.observeBuses(() => components.map((c) => ({ bus: c.bus.config.id, utilization: c.bus.utilization() })));
  metrics.observeDevices(() => components.flatMap((c) => c.pollers.map((p) => ({ device: p.device.id, backoffS: p.backoffS }))));
  return components;
}
