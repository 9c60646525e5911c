/**
 * The end-to-end canary in one process: the simulated plant, the gateway (Modbus polling engine,
 * signal store, gate, gRPC server) on the plant's clock, and one or more reference controllers
 * stepping canaries into one hall over gRPC. Simulated time may run `speed` times faster than real
 * time; the gateway then runs on the same simulated clock (sample timestamps, staleness, rates of
 * rise, reservations) and its poll periods shrink by `speed` so it sees the plant as often in
 * simulated time as configured. Used by `loopgate canary-demo` (npm run demo) and the e2e tests.
 */
import { metrics } from '@opentelemetry/api';
import { createApiComponents } from '../api/api-components.ts';
import { GateClient } from '../api/gate-client.ts';
import { GrpcServer } from '../api/grpc-server.ts';
import type { Config } from '../config/schema.ts';
import { createFieldComponents } from '../field/field-components.ts';
import type { Logger } from '../log.ts';
import { Readiness } from '../readiness.ts';
import type { Runtime } from '../runtime.ts';
import { Service } from '../service.ts';
import { SignalStore } from '../signals/store.ts';
import { CanaryController, type CanaryEvent, type CanaryResult } from './canary-controller.ts';
import { PlantControlClient, SharedHallLoad } from './plant-control-client.ts';
import { ScaledClock } from './sim-clock.ts';
import { Simulator } from './simulator.ts';

export interface CanarySpec {
  namespace: string;
  name: string;
}

export interface CanaryScenarioOptions {
  config: Config;
  log: Logger;
  zone?: string;
  speed?: number;
  /** Cooling capacity of the hall in % (100 nominal); see withCooling for the gate's side. */
  cooling?: number;
  canaries?: CanarySpec[];
  dwellS?: number;
  maxHolds?: number;
  /** Simulated seconds to keep watching after the controllers finish (the temperature lags). */
  settleS?: number;
  /** Simulated seconds between chart samples (default 10). */
  sampleS?: number;
  noise?: boolean;
  /** Listen ports by bus id for the plant (tests pass free ports; default the config's). */
  ports?: Record<string, number>;
  onEvent?: (e: CanaryEvent) => void;
  signal?: AbortSignal;
}

export interface ChartSample {
  t: number;
  temperature: number;
  steadyState: number;
  weight: number;
  powerW: number;
}

export interface CanaryScenarioResult {
  zone: string;
  limit: number;
  tripPoint: number;
  speed: number;
  startedAt: number;
  results: CanaryResult[];
  events: CanaryEvent[];
  samples: ChartSample[];
  /** Hottest temperature the plant reached, and where the final load settles. */
  maxTemperature: number;
  finalSteadyState: number;
}

/** The config as the gateway runs it at `speed`: poll periods divided so simulated cadence stays as configured. */
export function atSpeed(config: Config, speed: number): Config {
  if (speed === 1) return config;
  return Object.freeze({ ...config, devices: config.devices.map((d) => ({ ...d, poll_ms: Math.max(10, Math.round(d.poll_ms / speed)) })) });
}

/**
 * More cooling airflow lowers the hall's rise per watt; the gate's model of the hall must say so
 * too (an operator updates kelvin_per_watt after a cooling change), else it would still predict
 * the old temperatures.
 */
export function withCooling(config: Config, zone: string, percent: number): Config {
  if (percent === 100) return config;
  return Object.freeze({ ...config, zones: config.zones.map((z) => (z.id === zone && z.thermal ? { ...z, thermal: { ...z.thermal, kelvin_per_watt: (z.thermal.kelvin_per_watt * 100) / percent } } : z)) });
}


export async function runCanaryScenario(o: CanaryScenarioOptions): Promise<CanaryScenarioResult> {
  const zone = o.zone ?? o.config.zones[0]?.id ?? 'hall-a';
  const zoneCfg = o.config.zones.find((z) => z.id === zone);
  if (!zoneCfg) throw new Error(`zone "${zone}" is not in the config`);
  const speed = o.speed ?? 1;
  const cooling = o.cooling ?? 100;
  // The plant is built from the hall as configured and gets its cooling through its knob; the
  // gateway runs the model that knows about the cooling.
  const plantConfig = atSpeed(o.config, speed);
  const config = withCooling(plantConfig, zone, cooling);
  const clock = new ScaledClock(speed);
  const now = (): number => clock.now();
  const sleep = (simS: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, (simS * 1000) / speed));

  const sim = new Simulator(plantConfig, { clock, control: { host: '127.0.0.1', port: 0 }, noise: o.noise ?? false, ...(o.ports ? { ports: o.ports } : {}), summaryMs: 0, log: o.log });
  const readiness = new Readiness();
  const rt: Runtime = { config, log: o.log, store: new SignalStore(config, now), meter: metrics.getMeter('loopgate-canary-demo'), readiness, clock: now };
  const api = createApiComponents(rt);
  const grpcServer = api.find((c): c is GrpcServer => c instanceof GrpcServer);
  const service = new Service({ config, log: o.log }, { readiness, store: rt.store, components: [...createFieldComponents(rt), ...api], before: [sim] });
  const samples: ChartSample[] = [];
  const events: CanaryEvent[] = [];
  let sampler: NodeJS.Timeout | undefined;
  let client: GateClient | undefined;
  try {
    await service.start();
    await readiness.whenReady(AbortSignal.timeout(30_000));
    const plant = new PlantControlClient(sim.controlUrl()!);
    if (cooling !== 100) await plant.setCooling(zone, cooling);
    const startedAt = now();
    const sample = (): void => {
      const h = sim.plant.state().halls.find((x) => x.zone === zone)!;
      samples.push({ t: now(), temperature: h.temperature, steadyState: h.steadyStateTemperature, weight: h.weight, powerW: h.powerW });
    };
    sample();
    sampler = setInterval(sample, ((o.sampleS ?? 10) * 1000) / speed);
    client = new GateClient({ target: `127.0.0.1:${grpcServer!.port}`, deadlineMs: 5000 });
    const load = new SharedHallLoad(plant, zone);
    const specs = o.canaries ?? [{ namespace: 'shop', name: 'checkout' }];
    const results = await Promise.all(
      specs.map((c, i) =>
        new CanaryController({
          gate: client!,
          namespace: c.namespace,
          name: c.name,
          revision: `rev-${i + 1}`,
          zone,
          setLoad: (w) => load.set(`${c.namespace}/${c.name}`, w),
          now,
          sleep,
          onEvent: (e) => {
            events.push(e);
            o.onEvent?.(e);
          },
          ...(o.dwellS !== undefined ? { dwellS: o.dwellS } : {}),
          ...(o.maxHolds !== undefined ? { maxHolds: o.maxHolds } : {}),
          ...(o.signal ? { signal: o.signal } : {}),
        }).run(),
      ),
    );
    if (o.settleS && !o.signal?.aborted) await sleep(o.settleS);
    sample();
    const h = sim.plant.state().halls.find((x) => x.zone === zone)!;
    return {
      zone,
      limit: zoneCfg.limits.temperature_max,
      tripPoint: zoneCfg.limits.temperature_max - zoneCfg.limits.temperature_margin,
      speed,
      startedAt,
      results,
      events,
      samples,
      maxTemperature: Math.max(...samples.map((s) => s.temperature)),
      finalSteadyState: h.steadyStateTemperature,
    };
  } finally {
    clearInterval(sampler);
    client?.close();
    await service.stop();
  }
}
