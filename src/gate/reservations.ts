/**
 * Power reserved by ALLOWs until the measurements show it. Per zone, every rise of the measured
 * power is credited to the oldest reservations first; a reservation fully shown, past its TTL, or
 * released by its rollout is gone. Other rollouts see only the headroom that is left.
 */
interface Reservation {
  rollout: string;
  remainingW: number;
  expiresAt: number;
  createdAt: number;
}

interface ZoneLedger {
  lastPowerW: number | null;
  list: Reservation[];
}

export class ReservationLedger {
  private readonly zones = new Map<string, ZoneLedger>();
  private readonly ttlMs: number;

  constructor(ttlMs: number) {
    this.ttlMs = ttlMs;
  }

  /** Credits measured rises to the oldest reservations and drops expired ones. */
  observe(zone: string, powerW: number | null, now: number): void {
    const z = this.zone(zone);
    if (powerW !== null && z.lastPowerW !== null && powerW > z.lastPowerW) {
      let rise = powerW - z.lastPowerW;
      for (const r of z.list) {
        const take = Math.min(rise, r.remainingW);
        r.remainingW -= take;
        rise -= take;
        if (rise <= 0) break;
      }
    }
    if (powerW !== null) z.lastPowerW = powerW;
    z.list = z.list.filter((r) => r.remainingW > 1e-9 && r.expiresAt > now);
  }

  /** Reserves a step for a rollout; a rollout's own earlier remainder in the zone is kept in it. */
  reserve(zone: string, rollout: string, stepW: number, now: number): void {
    if (stepW <= 0) return;
    const z = this.zone(zone);
    const own = z.list.find((r) => r.rollout === rollout);
    if (own) {
      own.remainingW += stepW;
      own.expiresAt = now + this.ttlMs;
    } else z.list.push({ rollout, remainingW: stepW, expiresAt: now + this.ttlMs, createdAt: now });
  }

  reservedW(zone: string): number {
    return (this.zones.get(zone)?.list ?? []).reduce((s, r) => s + r.remainingW, 0);
  }

  /** Seconds until the earliest reservation in the zone expires (0 when none). */
  earliestExpiryS(zone: string, now: number): number {
    const list = this.zones.get(zone)?.list ?? [];
    return list.length === 0 ? 0 : Math.max(0, Math.min(...list.map((r) => r.expiresAt)) - now) / 1000;
  }

  release(rollout: string, zones: readonly string[] | undefined): { released: number; releasedW: number } {
    let released = 0;
    let releasedW = 0;
    for (const [id, z] of this.zones) {
      if (zones && zones.length > 0 && !zones.includes(id)) continue;
      z.list = z.list.filter((r) => {
        if (r.rollout !== rollout) return true;
        released++;
        releasedW += r.remainingW;
        return false;
      });
    }
    return { released, releasedW };
  }

  private zone(id: string): ZoneLedger {
    let z = this.zones.get(id);
    if (!z) this.zones.set(id, (z = { lastPowerW: null, list: [] }));
    return z;
  }
}
