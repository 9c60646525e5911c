/** Reconnect delays in grpc-js's BackoffTimeout shape: initial, ×1.6, ±20 % jitter, capped. */
export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  multiplier?: number;
  jitter?: number;
}

export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly multiplier: number;
  private readonly jitter: number;
  private nextMs: number;

  constructor(opts: BackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? 1000;
    this.maxMs = opts.maxMs ?? 30_000;
    this.multiplier = opts.multiplier ?? 1.6;
    this.jitter = opts.jitter ?? 0.2;
    this.nextMs = this.initialMs;
  }

  /** The delay before the next attempt; each call grows the one after. */
  next(): number {
    const base = this.nextMs;
    this.nextMs = Math.min(this.maxMs, base * this.multiplier);
    return Math.max(0, Math.round(base * (1 + this.jitter * (2 * Math.random() - 1))));
  }

  reset(): void {
    this.nextMs = this.initialMs;
  }
}
