/**
 * With two readers on one MeterProvider, the SDK (sdk-metrics 3.x TemporalMetricProcessor) stashes
 * every collection of one reader's instruments for each OTHER reader until that reader collects:
 * a Prometheus endpoint nobody scrapes would grow by one accumulation map per instrument at every
 * OTLP push, forever. The guard runs after each push and, when the pull reader has not been
 * collected during the last `maxMissed` pushes, collects it and throws the result away. That
 * bounds the stash to `maxMissed` entries per instrument; a cumulative reader loses nothing by it.
 */
import type { PullMetricReader } from './pull-reader.ts';

export class IdleReaderGuard {
  private readonly reader: PullMetricReader;
  private readonly maxMissed: number;
  private seen: number;
  private missed = 0;
  /** Drains so far (a self-check for tests and logs). */
  drains = 0;

  constructor(reader: PullMetricReader, maxMissed: number) {
    this.reader = reader;
    this.maxMissed = Math.max(1, maxMissed);
    this.seen = reader.collections;
  }

  /** Called once per collection of the other reader. Never rejects. */
  async tick(): Promise<void> {
    if (this.reader.collections !== this.seen) {
      this.seen = this.reader.collections;
      this.missed = 0;
      return;
    }
    if (++this.missed < this.maxMissed) return;
    this.missed = 0;
    this.drains++;
    try {
      await this.reader.collect();
    } catch {
      // Shut down meanwhile: nothing left to bound.
    }
    this.seen = this.reader.collections;
  }
}
