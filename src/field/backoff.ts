/**
 * Exponential backoff with jitter, capped: the shape of grpc-js's BackoffTimeout (x1.6 per
 * failure, +-20 % jitter) with loopgate's 30 s cap for devices and ports that keep failing.
 */
export interface BackoffOptions {
  initialMs: number;
  maxMs?: number;
  multiplier?: number;
  /** Fraction of the delay added or removed at random (0.2 = +-20 %). */
  jitter?: number;
  random?: () => number;
}

export const BACKOFF_CAP_MS = 30_000;

export class Backoff {
  private readonly opts: Required<BackoffOptions>;
  private failures = 0;
  private current = 0;

  constructor(opts: BackoffOptions) {
    this.opts = { maxMs: BACKOFF_CAP_MS, multiplier: 1.6, jitter: 0.2, random: Math.random, ...opts };
  }

  /** Records a failure and returns the delay before the next attempt (ms), never above the cap. */
  fail(): number {
    const { initialMs, maxMs, multiplier, jitter, random } = this.opts;
    const base = Math.min(maxMs, initialMs * multiplier ** this.failures);
    this.failures++;
    this.current = Math.min(maxMs, Math.max(0, base * (1 + jitter * (2 * random() - 1))));
    return this.current;
  }

  reset(): void {
    this.failures = 0;
    this.current = 0;
  }

  /** The delay last returned by fail() while failing; 0 once reset. */
  get delayMs(): number {
    return this.current;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }
}
