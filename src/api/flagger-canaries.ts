/**
 * Flagger sends no weight with its webhooks, so the adapter keeps each canary's weight itself:
 * keyed by namespace/name, with the revision (Flagger's checksum). A new checksum is a new rollout
 * starting at weight 0; the weight moves only when confirm-traffic-increase gets an ALLOW.
 * Bounded: at most MAX_CANARIES, the least recently seen dropped first, and forgotten after
 * FORGET_MS without a call.
 */
export const MAX_CANARIES = 10_000;
export const FORGET_MS = 24 * 60 * 60_000;

export interface CanaryState {
  namespace: string;
  name: string;
  checksum: string;
  weight: number;
  seenAt: number;
}

export class FlaggerCanaries {
  private readonly canaries = new Map<string, CanaryState>();

  /**
   * The canary's state for this checksum. `replaced` is the previous revision's state when the
   * checksum changed (the caller frees what that rollout held).
   */
  get(namespace: string, name: string, checksum: string, now: number): { state: CanaryState; replaced: CanaryState | undefined } {
    this.prune(now);
    const key = `${namespace}/${name}`;
    let state = this.canaries.get(key);
    let replaced: CanaryState | undefined;
    if (state && state.checksum !== checksum) {
      replaced = state;
      state = undefined;
    }
    state ??= { namespace, name, checksum, weight: 0, seenAt: now };
    state.seenAt = now;
    this.canaries.delete(key);
    this.canaries.set(key, state);
    return { state, replaced };
  }

  /** Sets the weight Flagger now routes to the canary (after an ALLOW). */
  advance(state: CanaryState, weight: number): void {
    state.weight = weight;
  }

  /** The tracked weight, for tests and diagnostics. */
  weightOf(namespace: string, name: string): number | undefined {
    return this.canaries.get(`${namespace}/${name}`)?.weight;
  }

  get size(): number {
    return this.canaries.size;
  }

  private prune(now: number): void {
    for (const [key, s] of this.canaries) {
      if (this.canaries.size < MAX_CANARIES && now - s.seenAt <= FORGET_MS) break;
      this.canaries.delete(key);
    }
  }
}
