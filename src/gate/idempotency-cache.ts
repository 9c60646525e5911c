/**
 * Same request_id within the TTL -> the same Decision. Bounded: past `maxEntries` the oldest go
 * first. A reused id with different parameters is reported, never silently answered.
 */
export const IDEMPOTENCY_TTL_MS = 10 * 60_000;

interface Entry<T> {
  at: number;
  fingerprint: string;
  value: T;
}

export class IdempotencyCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(ttlMs = IDEMPOTENCY_TTL_MS, maxEntries = 10_000) {
    this.ttlMs = ttlMs;
    this.maxEntries = maxEntries;
  }

  get(id: string, fingerprint: string, now: number): { hit: T } | { mismatch: true } | undefined {
    const e = this.entries.get(id);
    if (!e) return undefined;
    if (now - e.at > this.ttlMs) {
      this.entries.delete(id);
      return undefined;
    }
    return e.fingerprint === fingerprint ? { hit: e.value } : { mismatch: true };
  }

  set(id: string, fingerprint: string, value: T, now: number): void {
    this.entries.delete(id);
    this.entries.set(id, { at: now, fingerprint, value });
    this.prune(now);
  }

  get size(): number {
    return this.entries.size;
  }

  private prune(now: number): void {
    for (const [id, e] of this.entries) {
      if (this.entries.size <= this.maxEntries && now - e.at <= this.ttlMs) break;
      this.entries.delete(id);
    }
  }
}
