/**
 * Power reserved by ALLOWs until the measurements show it. Per zone, every rise of the measured
 * power is credited to the oldest reservations first; a reservation fully shown, past its TTL, or
 * released by its rollout is gone. Other rollouts see only the headroom that is left.
 */
/**
 * Reservations kept one per rollout per zone. Past this, the oldest are folded into one shared
 * reservation: the watts stay reserved (safe), only the per-rollout attribution (and so Release of
 * those rollouts) is lost until the TTL. Bounds memory and per-evaluation work against a caller
 * that invents rollout names.
 */
export const MAX_RESERVATIONS_PER_ZONE = 1024;
const FOLDED = '(folded)';

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
    } else {
      if (z.list.length >= MAX_RESERVATIONS_PER_ZONE) fold(z);
      z.list.push({ rollout, remainingW: stepW, expiresAt: now + this.ttlMs, createdAt: now });
    }
  }

  reservedW(zone: string): number {
    return (this.zones.get(zone)?.list ?? []).reduce((s, r) => s + r.remainingW, 0);
  }

  /** Seconds until the earliest reservation in the zone expires (0 when none). */
  earliestExpiryS(zone: string, now: number): number {
    const list = this.zones.get(zone)?.list ?? [];
    let earliest = Infinity;
    for (const r of list) earliest = Math.min(earliest, r.expiresAt);
    return list.length === 0 ? 0 : Math.max(0, earliest - now) / 1000;
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

/** Folds the two oldest reservations into one shared one at the head of the list (credited first). */
function fold(z: ZoneLedger): void {
  const [a, b] = z.list;
  if (!a || !b) return;
  z.list.splice(0, 2, { rollout: FOLDED, remainingW: a.remainingW + b.remainingW, expiresAt: Math.max(a.expiresAt, b.expiresAt), createdAt: Math.min(a.createdAt, b.createdAt) });
}
