/** Lets one event through per window (e.g. one log line a minute for a failing export). */
export class RateLimit {
  private readonly windowMs: number;
  private readonly clock: () => number;
  private last = -Infinity;
  /** Events swallowed since the last one let through. */
  suppressed = 0;

  constructor(windowMs: number, clock: () => number = Date.now) {
    this.windowMs = windowMs;
    this.clock = clock;
  }

  /** True when this event may be logged; returns how many were suppressed before it via `suppressed`. */
  allow(): boolean {
    const now = this.clock();
    if (now - this.last < this.windowMs) {
      this.suppressed++;
      return false;
    }
    this.last = now;
    return true;
  }

  /** Takes the suppressed count (for the line that is logged) and resets it. */
  takeSuppressed(): number {
    const n = this.suppressed;
    this.suppressed = 0;
    return n;
  }

  reset(): void {
    this.last = -Infinity;
    this.suppressed = 0;
  }
}
