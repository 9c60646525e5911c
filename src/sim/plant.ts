/**
 * The simulated plant: halls, their sensors and meters as register values, and the faults injected
 * into them at run time. Protocol-free; PlantRegisterSource serves it to the Modbus slaves.
 */
import { HallModel, type HallState } from './hall-model.ts';
import { ALARM_BITS, type PlantLayout, type SimDevice, type SimSignal } from './plant-layout.ts';
import { Prng } from './prng.ts';
import { encodeRegisters, toRawNumber } from './register-codec.ts';
import type { SimClock } from './sim-clock.ts';

export const signalFaultKinds = ['wire_break', 'short', 'stuck'] as const;
export const deviceFaultKinds = ['offline', 'slow', 'exception'] as const;
export type SignalFaultKind = (typeof signalFaultKinds)[number];
export type DeviceFaultKind = (typeof deviceFaultKinds)[number];

/** Loop currents a failed transmitter drives (NE43 failure signals, as the issue specifies). */
export const WIRE_BREAK_MA = 3.2;
export const SHORT_MA = 22;

export interface DeviceFaults {
  offline?: boolean;
  /** Reply delay (ms, real time). */
  slowMs?: number;
  /** Answer every read with this Modbus exception code. */
  exception?: number;
}

export interface SignalFault {
  kind: SignalFaultKind;
  /** The registers frozen by a `stuck` fault. */
  frozen?: number[];
}

export interface PlantOptions {
  seed?: number;
  /** Measurement noise on (default) or off (exact values, for tests that compare numbers). */
  noise?: boolean;
}

export class PlantError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export class Plant {
  readonly layout: PlantLayout;
  readonly clock: SimClock;
  private readonly halls = new Map<string, HallModel>();
  private readonly signals = new Map<string, { device: SimDevice; signal: SimSignal }>();
  private readonly devices = new Map<string, SimDevice>();
  private readonly signalFaults = new Map<string, SignalFault>();
  private readonly deviceFaults = new Map<string, DeviceFaults>();
  private readonly prng: Prng;
  private readonly noise: boolean;

  constructor(layout: PlantLayout, clock: SimClock, opts: PlantOptions = {}) {
    this.layout = layout;
    this.clock = clock;
    this.prng = new Prng(opts.seed ?? 7);
    this.noise = opts.noise ?? true;
    for (const h of layout.halls) this.halls.set(h.zoneId, new HallModel(h, clock.now()));
    for (const ep of layout.endpoints) {
      for (const d of ep.devices) {
        this.devices.set(d.id, d);
        for (const s of d.signals) this.signals.set(s.config.id, { device: d, signal: s });
      }
    }
  }

  hall(zone: string): HallModel {
    const h = this.halls.get(zone);
    if (!h) throw new PlantError(404, `unknown zone "${zone}" (zones: ${[...this.halls.keys()].join(', ') || 'none'})`);
    return h;
  }

  setWeight(zone: string, weight: number): void {
    this.hall(zone).setWeight(weight, this.clock.now());
  }

  setCooling(zone: string, percent: number): void {
    this.hall(zone).setCooling(percent, this.clock.now());
  }

  /** Injects a fault into a signal (wire_break, short, stuck) or a device (offline, slow, exception). */
  injectFault(target: string, kind: string, opts: { delayMs?: number; code?: number } = {}): void {
    if ((signalFaultKinds as readonly string[]).includes(kind)) {
      const entry = this.signals.get(target);
      if (!entry) throw new PlantError(404, `unknown signal "${target}"`);
      if (kind !== 'stuck' && !entry.signal.config.loop) throw new PlantError(400, `signal "${target}" is not a 4-20 mA loop: ${kind} needs one`);
      const fault: SignalFault = { kind: kind as SignalFaultKind };
      if (kind === 'stuck') fault.frozen = this.registersOf(entry.signal);
      this.signalFaults.set(target, fault);
      return;
    }
    if ((deviceFaultKinds as readonly string[]).includes(kind)) {
      if (!this.devices.has(target)) throw new PlantError(404, `unknown device "${target}"`);
      const f = { ...this.deviceFaults.get(target) };
      if (kind === 'offline') f.offline = true;
      if (kind === 'slow') f.slowMs = opts.delayMs ?? 2000;
      if (kind === 'exception') f.exception = opts.code ?? 4;
      if (f.exception !== undefined && !(Number.isInteger(f.exception) && f.exception >= 1 && f.exception <= 255)) throw new PlantError(400, `exception code must be 1-255, got ${f.exception}`);
      this.deviceFaults.set(target, f);
      return;
    }
    throw new PlantError(400, `unknown fault "${kind}" (signal faults: ${signalFaultKinds.join(', ')}; device faults: ${deviceFaultKinds.join(', ')})`);
  }

  /** Clears every fault on a signal or device; `*` clears all. */
  clearFault(target: string): void {
    if (target === '*') {
      this.signalFaults.clear();
      this.deviceFaults.clear();
      return;
    }
    if (!this.signals.has(target) && !this.devices.has(target)) throw new PlantError(404, `unknown signal or device "${target}"`);
    this.signalFaults.delete(target);
    this.deviceFaults.delete(target);
  }

  deviceFault(deviceId: string): DeviceFaults | undefined {
    return this.deviceFaults.get(deviceId);
  }

  /** The registers a signal holds now (faults applied). */
  registersOf(sig: SimSignal): number[] {
    const fault = this.signalFaults.get(sig.config.id);
    if (fault?.frozen) return fault.frozen;
    return encodeRegisters(sig.config, this.rawValue(sig, fault?.kind));
  }

  /** A coil or discrete input: bit (address mod 16) of the zone's alarm word. */
  bitOf(sig: SimSignal): boolean {
    return ((this.alarmWord(sig.zone) >> sig.config.address % 16) & 1) === 1;
  }

  state(): { time: string; speed: number; halls: HallState[]; faults: { signals: Record<string, SignalFaultKind>; devices: Record<string, DeviceFaults> } } {
    const now = this.clock.now();
    return {
      time: new Date(now).toISOString(),
      speed: this.clock.speed,
      halls: [...this.halls.values()].map((h) => h.state(now)),
      faults: {
        signals: Object.fromEntries([...this.signalFaults].map(([id, f]) => [id, f.kind])),
        devices: Object.fromEntries(this.deviceFaults),
      },
    };
  }

  private rawValue(sig: SimSignal, fault: SignalFaultKind | undefined): number {
    const cfg = sig.config;
    const hall = sig.zone === null ? undefined : this.halls.get(sig.zone);
    const now = this.clock.now();
    const st = hall?.state(now);
    const role = sig.role;
    switch (role.kind) {
      case 'inlet_temperature': {
        // Further sensors read a little cooler, so the zone maximum is the hall temperature itself.
        const t = (st?.temperature ?? 22) - role.index * 0.3 + this.gauss(0.02);
        if (!cfg.loop) return toRawNumber(cfg, t);
        const [r4, r20] = cfg.loop.raw;
        const [e4, e20] = cfg.loop.eu;
        // A healthy transmitter saturates inside the NE43 measuring band (3.8-20.5 mA).
        let mA = Math.min(20.5, Math.max(3.8, 4 + ((t - e4) / (e20 - e4)) * 16));
        if (fault === 'wire_break') mA = WIRE_BREAK_MA;
        if (fault === 'short') mA = SHORT_MA;
        return r4 + ((mA - 4) / 16) * (r20 - r4);
      }
      case 'power':
        return toRawNumber(cfg, (st?.powerW ?? 0) * role.share * (1 + this.gauss(0.003)));
      case 'energy':
        return toRawNumber(cfg, (st?.energyJ ?? 0) * role.share);
      case 'current':
        return toRawNumber(cfg, ((st?.powerW ?? 0) * role.share) / (Math.sqrt(3) * 400 * 0.95));
      case 'voltage':
        return toRawNumber(cfg, 230 + this.gauss(0.5));
      case 'alarms':
        return this.alarmWord(sig.zone);
      case 'constant':
        return toRawNumber(cfg, role.value);
    }
  }

  private alarmWord(zone: string | null): number {
    const hall = zone === null ? undefined : this.halls.get(zone);
    if (!hall) return 0;
    const st = hall.state(this.clock.now());
    let w = 0;
    if (st.temperature > hall.params.temperatureMax) w |= 1 << ALARM_BITS.overTemperature;
    if (st.powerW > hall.params.powerBudget) w |= 1 << ALARM_BITS.overBudget;
    for (const [id, f] of this.signalFaults) if (f.kind !== 'stuck' && this.signals.get(id)?.signal.zone === zone) w |= 1 << ALARM_BITS.sensorFault;
    if (st.cooling < 100) w |= 1 << ALARM_BITS.coolingDegraded;
    return w;
  }

  private gauss(sd: number): number {
    return this.noise ? this.prng.gauss(sd) : 0;
  }
}
