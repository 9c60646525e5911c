/**
 * The simulated plant as one component: the plant model, one Modbus/TCP slave per TCP bus of the
 * gateway config, the HTTP control surface, and a periodic log line of what was polled.
 */
import type { Config } from '../config/schema.ts';
import type { Component } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import { ControlServer } from './control-server.ts';
import { ModbusSerialTcpServer } from './modbus-serial-tcp-server.ts';
import { layoutFromConfig } from './plant-layout.ts';
import { PlantRegisterSource } from './plant-source.ts';
import { Plant } from './plant.ts';
import { ScaledClock, type SimClock } from './sim-clock.ts';

export interface SimulatorOptions {
  /** Simulated seconds per real second (default 1); ignored when `clock` is given. */
  speed?: number;
  clock?: SimClock;
  /** Where the HTTP control listens; null for none (default 127.0.0.1:0). */
  control?: { host: string; port: number } | null;
  /** Listen ports by bus id, overriding the config's (tests pass 0). */
  ports?: Record<string, number>;
  log?: Logger;
  seed?: number;
  noise?: boolean;
  /** Weight (%) every hall starts at, at steady state (default 0). */
  initialWeight?: number;
  /** Period of the "served" summary log line (default 10 s; 0 for none). */
  summaryMs?: number;
}

interface Slave {
  busId: string;
  server: ModbusSerialTcpServer;
  source: PlantRegisterSource;
}

export class Simulator implements Component {
  readonly name = 'simulator';
  readonly plant: Plant;
  private readonly slaves: Slave[] = [];
  private readonly control: ControlServer | undefined;
  private readonly log: Logger | undefined;
  private readonly summaryMs: number;
  private timer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;

  constructor(config: Pick<Config, 'buses' | 'devices' | 'zones'>, opts: SimulatorOptions = {}) {
    const layout = layoutFromConfig(config, opts.initialWeight === undefined ? {} : { initialWeight: opts.initialWeight });
    const plantOpts: { seed?: number; noise?: boolean } = {};
    if (opts.seed !== undefined) plantOpts.seed = opts.seed;
    if (opts.noise !== undefined) plantOpts.noise = opts.noise;
    this.plant = new Plant(layout, opts.clock ?? new ScaledClock(opts.speed ?? 1), plantOpts);
    this.log = opts.log?.child({ component: 'simulator' });
    this.summaryMs = opts.summaryMs ?? 10_000;
    for (const ep of layout.endpoints) {
      const bus = ep.bus;
      if (bus.transport !== 'tcp') {
        this.log?.warn({ bus: bus.id, transport: bus.transport }, `bus ${bus.id} (${bus.transport}) is not simulated here: it needs the RTU slave`);
        continue;
      }
      const source = new PlantRegisterSource(this.plant, ep);
      const port = opts.ports?.[bus.id] ?? bus.port;
      this.slaves.push({ busId: bus.id, source, server: new ModbusSerialTcpServer(source, { host: bus.host, port }, `sim slave ${bus.id}`) });
    }
    const control = opts.control === undefined ? { host: '127.0.0.1', port: 0 } : opts.control;
    if (control) this.control = new ControlServer(this.plant, control.host, control.port);
  }

  async start(): Promise<void> {
    try {
      for (const s of this.slaves) {
        await s.server.start();
        const ep = this.endpoint(s.busId);
        this.log?.info({ bus: s.busId, listen: `${ep?.host}:${ep?.port}`, devices: s.source.devices() }, `plant serving Modbus/TCP for bus ${s.busId} on ${ep?.host}:${ep?.port}`);
      }
      if (this.control) {
        await this.control.start();
        this.log?.info({ control: this.controlUrl() }, `plant control on ${this.controlUrl()} (GET /state, POST /weight /cooling /fault)`);
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
    if (this.summaryMs > 0 && this.log) {
      this.timer = setInterval(() => this.logSummary(), this.summaryMs);
      this.timer.unref();
    }
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      clearInterval(this.timer);
      for (const s of this.slaves) s.source.close();
      await Promise.all([...this.slaves.map((s) => s.server.stop()), this.control?.stop()]);
    })();
    return this.stopping;
  }

  /** Where a bus's slave listens (after start). */
  endpoint(busId: string): { host: string; port: number } | undefined {
    const s = this.slaves.find((x) => x.busId === busId);
    const bus = this.plant.layout.endpoints.find((e) => e.bus.id === busId)?.bus;
    if (!s || !bus || bus.transport !== 'tcp') return undefined;
    return { host: bus.host, port: s.server.port };
  }

  controlUrl(): string | undefined {
    if (!this.control) return undefined;
    return `http://127.0.0.1:${this.control.port}`;
  }

  /** Reads served per device since start. */
  served(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of this.slaves) for (const [dev, n] of s.source.served) out[dev] = n;
    return out;
  }

  private logSummary(): void {
    const st = this.plant.state();
    const halls = st.halls.map((h) => `${h.zone} weight ${h.weight}% ${(h.powerW / 1000).toFixed(1)} kW inlet ${h.temperature.toFixed(2)} Cel (-> ${h.steadyStateTemperature.toFixed(2)})`);
    this.log?.info({ event: 'sim_summary', served: this.served(), halls: st.halls, faults: st.faults }, `plant: ${halls.join('; ')}; reads served ${JSON.stringify(this.served())}`);
  }
}
