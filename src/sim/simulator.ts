/**
 * The simulated plant as one component: the plant model, one Modbus/TCP slave per TCP bus and one
 * wire-timed RTU slave per RTU bus given a device path (e.g. the far end of a socat pty pair), the
 * HTTP control surface, and a periodic log line of what was polled.
 */
import type { Config } from '../config/schema.ts';
import type { Component } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import { ControlServer } from './control-server.ts';
import { ModbusSerialTcpServer } from './modbus-serial-tcp-server.ts';
import { layoutFromConfig } from './plant-layout.ts';
import { PlantRegisterSource } from './plant-source.ts';
import { Plant } from './plant.ts';
import { startRtuSlave, type RtuSlave } from './rtu-slave.ts';
import { ScaledClock, type SimClock } from './sim-clock.ts';

export interface SimulatorOptions {
  /** Simulated seconds per real second (default 1); ignored when `clock` is given. */
  speed?: number;
  clock?: SimClock;
  /** Where the HTTP control listens; null for none (default 127.0.0.1:0). */
  control?: { host: string; port: number } | null;
  /** Listen ports by bus id, overriding the config's (tests pass 0). */
  ports?: Record<string, number>;
  /** For RTU buses: the serial device the plant's slave opens, by bus id (the gateway opens the
   *  config's `path`, the other end of the line). RTU buses without one are not simulated. */
  rtuPaths?: Record<string, string>;
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
  source: PlantRegisterSource;
  start(): Promise<string>;
  stop(): Promise<void>;
}

export class Simulator implements Component {
  readonly name = 'simulator';
  readonly plant: Plant;
  private readonly slaves: Slave[] = [];
  private readonly tcp = new Map<string, ModbusSerialTcpServer>();
  private readonly rtu = new Map<string, RtuSlave>();
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
      const source = new PlantRegisterSource(this.plant, ep);
      if (bus.transport === 'tcp') {
        const server = new ModbusSerialTcpServer(source, { host: bus.host, port: opts.ports?.[bus.id] ?? bus.port }, `sim slave ${bus.id}`);
        this.tcp.set(bus.id, server);
        this.slaves.push({
          busId: bus.id,
          source,
          start: async () => {
            await server.start();
            return `Modbus/TCP on ${bus.host}:${server.port}`;
          },
          stop: () => server.stop(),
        });
        continue;
      }
      const path = opts.rtuPaths?.[bus.id];
      if (bus.transport !== 'rtu' || path === undefined) {
        this.log?.warn({ bus: bus.id, transport: bus.transport }, `bus ${bus.id} (${bus.transport}) is not simulated: give the RTU slave a device path (simulate --rtu ${bus.id}=PATH)`);
        continue;
      }
      this.slaves.push({
        busId: bus.id,
        source,
        start: async () => {
          const rtu = await startRtuSlave(source, { path, baud: bus.baud, parity: bus.parity, stopBits: bus.stop_bits, dataBits: bus.data_bits, wirePaced: true });
          this.rtu.set(bus.id, rtu);
          return `Modbus RTU on ${path} (${bus.baud} baud, wire-paced)`;
        },
        stop: async () => this.rtu.get(bus.id)?.close(),
      });
    }
    const control = opts.control === undefined ? { host: '127.0.0.1', port: 0 } : opts.control;
    if (control) this.control = new ControlServer(this.plant, control.host, control.port);
  }

  async start(): Promise<void> {
    try {
      for (const s of this.slaves) {
        const where = await s.start();
        this.log?.info({ bus: s.busId, devices: s.source.devices() }, `plant serving ${where} for bus ${s.busId}`);
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
      await Promise.all([...this.slaves.map((s) => s.stop()), this.control?.stop()]);
    })();
    return this.stopping;
  }

  /** Where a bus's slave listens (after start). */
  endpoint(busId: string): { host: string; port: number } | undefined {
    const server = this.tcp.get(busId);
    const bus = this.plant.layout.endpoints.find((e) => e.bus.id === busId)?.bus;
    if (!server || !bus || bus.transport !== 'tcp') return undefined;
    return { host: bus.host, port: server.port };
  }

  /** What an RTU bus's slave saw: requests, t3.5 violations, function codes received. */
  rtuStats(busId: string): (RtuSlave['stats'] & { functionCodes: number[] }) | undefined {
    const rtu = this.rtu.get(busId);
    return rtu ? { ...rtu.stats, functionCodes: [...rtu.functionCodes.keys()] } : undefined;
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
