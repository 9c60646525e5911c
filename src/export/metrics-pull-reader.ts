/**
 * The reader behind /metrics: collects on demand (a scrape), cumulative temporality. With a second
 * reader (OTLP push) on the same MeterProvider, the SDK stashes every collection of the other reader
 * for this one until this one collects: nobody scraping would grow memory without bound. So after
 * each collection of the other reader, `drainIfIdle` collects once here and discards the result
 * when no scrape came for `idleDrainMs` (the SDK keeps cumulative state itself, so the next real
 * scrape loses nothing). The stash then holds at most idleDrainMs / interval_ms + 1 entries.
 */
import { AggregationTemporality, MetricReader, type CollectionResult, type MetricProducer } from '@opentelemetry/sdk-metrics';

export interface PullReaderOptions {
  /** Drain the SDK's stash when no scrape came for this long; Infinity = never. */
  idleDrainMs: number;
  /** Cardinality limit per instrument (the SDK's default, 2000, is far below a plant's signal count). */
  cardinalityLimit: number;
  /** Producers whose data joins every collection (the signal metrics). */
  metricProducers?: MetricProducer[];
}

export class MetricsPullReader extends MetricReader {
  private readonly idleDrainMs: number;
  private lastCollect = Date.now();
  private draining: Promise<boolean> | undefined;
  /** Idle drains done. */
  drains = 0;

  constructor(opts: PullReaderOptions) {
    super({
      aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE,
      cardinalitySelector: () => opts.cardinalityLimit,
      metricProducers: opts.metricProducers ?? [],
    });
    this.idleDrainMs = opts.idleDrainMs;
  }

  override async collect(options?: Parameters<MetricReader['collect']>[0]): Promise<CollectionResult> {
    this.lastCollect = Date.now();
    return super.collect(options);
  }

  /** Collects and discards when nothing collected for idleDrainMs; never rejects. */
  drainIfIdle(now = Date.now()): Promise<boolean> {
    if (this.draining) return this.draining;
    if (now - this.lastCollect < this.idleDrainMs) return Promise.resolve(false);
    this.draining = (async () => {
      try {
        await this.collect();
        this.drains++;
        return true;
      } catch {
        return false;
      } finally {
        this.draining = undefined;
      }
    })();
    return this.draining;
  }

  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}
