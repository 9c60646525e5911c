/**
 * What /metrics serves: one collection of the pull reader serialized by prom-text.ts, shared by
 * every scrape that arrives while it is being made (two Prometheus replicas scraping together cost
 * one collection), gzipped at most once, and written into a ByteWriter that the next collection
 * reuses once every response that sent it has closed.
 *
 * Sharing is also what makes the signal producer's point reuse safe: a collection is serialized
 * synchronously right after collect() returns, before this source can start the next one.
 */
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { CollectionResult } from '@opentelemetry/sdk-metrics';
import { ByteWriter } from './byte-writer.ts';
import { PromTextSerializer } from './prom-text.ts';

const gzipAsync = promisify(gzip);

/**
 * Level 1: on the 10k-signal exposition (5.6 MB) it compresses 19x in ~13 ms of CPU; level 6 (the
 * zlib default) took ~36 ms for 17.7x (README, "Metrics scrape benchmark"). Output chunks of 128
 * KiB keep the threadpool round trips for a 300 KB result to a handful.
 */
export const GZIP_OPTIONS = { level: 1, chunkSize: 128 * 1024 } as const;

export interface Exposition {
  /** The text exposition (a view of a pooled buffer: valid while held). */
  readonly body: Buffer;
  /** Errors the collection reported (the body holds what was collected anyway). */
  readonly errors: unknown[];
  /** The body gzipped (shared by the scrapes of this collection). */
  gzipped(): Promise<Buffer>;
  /** Every scrape that got this exposition calls release() once, when its response has closed. */
  release(): void;
}

interface Shared {
  holders: number;
  writer: ByteWriter;
  ready: Promise<{ body: Buffer; errors: unknown[] }>;
  gzip: Promise<Buffer> | undefined;
}

export class ExpositionSource {
  private readonly collect: () => Promise<CollectionResult>;
  private readonly serializer = new PromTextSerializer();
  /** The collection being made; later scrapes join it until its body is ready. */
  private inFlight: Shared | undefined;
  /** A writer no response holds any more: the next collection writes into it. */
  private spare: ByteWriter | undefined;
  private sizeHint = 64 * 1024;

  constructor(collect: () => Promise<CollectionResult>) {
    this.collect = collect;
  }

  /** The current exposition; rejects when collection fails (then there is nothing to release). */
  async get(): Promise<Exposition> {
    const shared = (this.inFlight ??= this.start());
    // Counted before waiting: the writer cannot be handed on while a joined scrape still waits.
    shared.holders++;
    let made: { body: Buffer; errors: unknown[] };
    try {
      made = await shared.ready;
    } catch (err) {
      this.release(shared);
      throw err;
    }
    let released = false;
    return {
      body: made.body,
      errors: made.errors,
      gzipped: () => (shared.gzip ??= gzipAsync(made.body, GZIP_OPTIONS)),
      release: () => {
        if (released) return;
        released = true;
        this.release(shared);
      },
    };
  }

  private start(): Shared {
    const writer = this.spare ?? new ByteWriter(this.sizeHint + (this.sizeHint >> 3));
    this.spare = undefined;
    writer.reset();
    const ready = (async () => {
      try {
        const { resourceMetrics, errors } = await this.collect();
        const body = this.serializer.serialize(resourceMetrics, writer);
        this.sizeHint = body.length;
        return { body, errors };
      } finally {
        this.inFlight = undefined;
      }
    })();
    return { holders: 0, writer, ready, gzip: undefined };
  }

  private release(shared: Shared): void {
    if (--shared.holders > 0) return;
    // A pending gzip still reads the body; it settles before its scrape's response can close,
    // so this only guards a gzip nobody waits for any more.
    if (shared.gzip) void shared.gzip.then(() => this.recycle(shared.writer), () => this.recycle(shared.writer));
    else this.recycle(shared.writer);
  }

  private recycle(writer: ByteWriter): void {
    this.spare ??= writer;
  }
}
