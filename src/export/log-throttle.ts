/** Logs an event at most once per interval, with how many were suppressed since the last line. */
export class LogThrottle {
  private last = -Infinity;
  private suppressed = 0;
  private readonly intervalMs: number;
  private readonly clock: () => number;

  constructor(intervalMs = 60_000, clock: () => number = Date.now) {
    this.intervalMs = intervalMs;
    this.clock = clock;
  }

  /** Returns the number suppressed since the last emitted line when this one may be logged, else undefined. */
  take(): number | undefined {
    const now = this.clock();
    if (now - this.last < this.intervalMs) {
      this.suppressed++;
      return undefined;
    }
    this.last = now;
    const n = this.suppressed;
    this.suppressed = 0;
    return n;
  }
}
