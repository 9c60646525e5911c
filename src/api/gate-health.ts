/**
 * grpc.health.v1: "" and "loopgate.v1.Gate" are NOT_SERVING until the daemon is ready (first full
 * poll cycle); "loopgate.v1.Gate" also while any zone's data is stale or bad; and one service name
 * per zone, "loopgate.v1.Gate/<zone>", NOT_SERVING while that zone's data is stale or bad.
 */
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import type { GateEngine } from '../gate/engine.ts';
import type { Readiness } from '../readiness.ts';

export const GATE_SERVICE = 'loopgate.v1.Gate';

export function zoneServiceName(zone: string): string {
  return `${GATE_SERVICE}/${zone}`;
}

export class GateHealth {
  readonly impl = new HealthImplementation();
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly engine: GateEngine;
  private readonly readiness: Readiness;
  private readonly zoneOk = new Map<string, boolean>();
  private off: (() => void) | undefined;
  private readonly onReady = (): void => this.update();

  constructor(engine: GateEngine, readiness: Readiness) {
    this.engine = engine;
    this.readiness = readiness;
  }

  start(): void {
    for (const s of this.engine.listZones().zones) this.zoneOk.set(s.zone, s.quality !== 'bad');
    this.off = this.engine.onZoneStatus((s) => {
      this.zoneOk.set(s.zone, s.quality !== 'bad');
      this.update();
    });
    this.readiness.on('ready', this.onReady);
    this.update();
  }

  stop(): void {
    this.off?.();
    this.readiness.off('ready', this.onReady);
    for (const name of this.statuses.keys()) this.set(name, 'NOT_SERVING');
  }

  private update(): void {
    const ready = this.readiness.isReady();
    const all = [...this.zoneOk.values()].every(Boolean);
    this.set('', ready ? 'SERVING' : 'NOT_SERVING');
    this.set(GATE_SERVICE, ready && all ? 'SERVING' : 'NOT_SERVING');
    for (const [zone, ok] of this.zoneOk) this.set(zoneServiceName(zone), ready && ok ? 'SERVING' : 'NOT_SERVING');
  }

  private set(name: string, status: ServingStatus): void {
    if (this.statuses.get(name) === status) return;
    this.statuses.set(name, status);
    this.impl.setStatus(name, status);
  }
}
