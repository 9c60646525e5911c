/**
 * The reader behind /metrics: collects on demand (a scrape), cumulative temporality. With a second
 * reader (OTLP push) on the same MeterProvider, the SDK stashes every collection of the other reader
 * for this one until this one collects: nobody scraping would grow memory without bound. So when
 * no scrape came for `idleDrainMs`, the reader collects once itself and discards the result
 * (cumulative state is kept by the SDK, so the next real scrape loses nothing).
 */
import { AggregationTemporality, MetricReader, type CollectionResult } from '@opentelemetry/sdk-metrics';

export interface PullReaderOptions {
  /** Drain the SDK's stash after this long without a scrape; 0 = never (single-reader setups). */
  idleDrainMs: number;
  /** Cardinality limit per instrument (the SDK's default, 2000, is far below a plant's signal count). */
  cardinalityLimit: number;
}

export class MetricsPullReader extends MetricReader {
  private readonly idleDrainMs: number;
  private timer: NodeJS.Timeout | undefined;
  private lastCollect = Date.now();
  private draining = false;
  /** Idle drains done (for the self-metric and the memory test). */
  drains = 0;

  constructor(opts: PullReaderOptions) {
    super({
      aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE,
      cardinalitySelector: () => opts.cardinalityLimit,
    });
    this.idleDrainMs = opts.idleDrainMs;
  }

  /** Starts the idle drain timer (unref'd). */
  startIdleDrain(): void {
    if (this.idleDrainMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.drainIfIdle(Date.now()), this.idleDrainMs);
    this.timer.unref();
  }

  override async collect(options?: Parameters<MetricReader['collect']>[0]): Promise<CollectionResult> {
    this.lastCollect = Date.now();
    return super.collect(options);
  }

  /** Collects and discards when nothing collected for idleDrainMs; never rejects. */
  async drainIfIdle(now: number): Promise<boolean> {
    if (this.draining || now - this.lastCollect < this.idleDrainMs) return false;
    this.draining = true;
    try {
      await this.collect();
      this.drains++;
      return true;
    } catch {
      return false;
    } finally {
      this.draining = false;
    }
  }

  protected override async onForceFlush(): Promise<void> {}

  protected override async onShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
