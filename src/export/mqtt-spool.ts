/**
 * The MQTT publisher's own queue, on disk: an append-only log of segment files
 * (`<first id>.seg`, frames from mqtt-record.ts) and a cursor file naming the first message the
 * broker has not acknowledged. Every outbound message is appended here first; the sender reads the
 * log in order from the cursor; a message leaves the spool only when its PUBACK advances the cursor
 * past it (QoS 0: when it was written to the socket). A restart resumes at the persisted cursor.
 *
 * Bounds: spool_max_bytes and spool_max_age_s. Past them the oldest segment goes first, its
 * unacknowledged messages counted as dropped. Ids are consecutive inside a segment.
 */
import { mkdir, open, readdir, readFile, rename, stat, truncate, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.ts';
import { LoopgateError } from '../errors.ts';
import { decodeFrame, encodeRecord, FRAME_HEADER_BYTES, type OutboundMessage, type SpooledMessage } from './mqtt-record.ts';

export type DropReason = 'bytes' | 'age' | 'io';

export interface SpoolOptions {
  dir: string;
  maxBytes: number;
  maxAgeMs: number;
  log: Logger;
  clock?: () => number;
  /** Default: maxBytes / 8, between 4 KiB and 16 MiB. */
  segmentBytes?: number;
  onDrop?: (count: number, reason: DropReason) => void;
  /** New messages became readable (a batch reached the file). */
  onAvailable?: () => void;
}

interface Segment {
  base: number;
  path: string;
  bytes: number;
  count: number;
  newestTs: number;
}

interface Pos {
  id: number;
  base: number;
  offset: number;
}

const CURSOR_FILE = 'cursor.json';
const SEG_RE = /^(\d{16})\.seg$/;
const READ_CHUNK = 256 * 1024;

export class Spool {
  private readonly o: Required<Omit<SpoolOptions, 'onDrop' | 'onAvailable'>> & Pick<SpoolOptions, 'onDrop' | 'onAvailable'>;
  private segments: Segment[] = [];
  private durableNext = 0;
  private durableCount = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private flushScheduled = false;
  private writing: Promise<void> | undefined;
  private writeFh: { base: number; fh: FileHandle } | undefined;
  private readFh: { base: number; fh: FileHandle } | undefined;
  private readCache: { base: number; start: number; buf: Buffer } | undefined;
  private rollNext = false;
  private cursor: Pos = { id: 0, base: 0, offset: 0 };
  private readPos: Pos = { id: 0, base: 0, offset: 0 };
  private readEpoch = 0;
  private inflight: { id: number; base: number; end: number }[] = [];
  private readonly acked = new Set<number>();
  private cursorDirty = false;
  private toUnlink: string[] = [];
  private timers: NodeJS.Timeout[] = [];
  private persisting: Promise<void> | undefined;
  private closed = false;
  droppedTotal = 0;
  bytesWritten = 0;

  private constructor(opts: SpoolOptions) {
    const segmentBytes = opts.segmentBytes ?? Math.min(16 * 1024 * 1024, Math.max(4096, Math.floor(opts.maxBytes / 8)));
    this.o = { clock: Date.now, ...opts, segmentBytes };
  }

  static async open(opts: SpoolOptions): Promise<Spool> {
    const s = new Spool(opts);
    try {
      await s.recover();
    } catch (err) {
      throw new LoopgateError('MQTT_SPOOL', `cannot open the MQTT spool in ${opts.dir}: ${(err as Error).message}`, { cause: err });
    }
    const persist = setInterval(() => void s.persistCursor(), 200);
    const sync = setInterval(() => void s.sync(), 1000);
    const age = setInterval(() => s.enforceBounds(), Math.max(50, Math.min(60_000, opts.maxAgeMs / 4)));
    for (const t of [persist, sync, age]) t.unref();
    s.timers = [persist, sync, age];
    return s;
  }

  /** Messages not yet acknowledged (written or still in memory). */
  depth(): number {
    const first = this.segments[0];
    return this.durableCount - (first ? this.cursor.id - first.base : 0) + this.pending.length;
  }

  diskBytes(): number {
    return this.segments.reduce((n, s) => n + s.bytes, 0);
  }

  /** Queues a message; never blocks: the write happens on a later turn of the event loop. */
  append(m: OutboundMessage): void {
    if (this.closed) throw new LoopgateError('MQTT_SPOOL_CLOSED', 'the MQTT spool is closed');
    const buf = encodeRecord(m);
    this.pending.push(buf);
    this.pendingBytes += buf.length;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        void this.flush();
      });
    }
  }

  /** Writes everything queued so far. Never rejects (a failed write drops its batch, counted). */
  async flush(): Promise<void> {
    while (this.pending.length > 0 || this.writing) {
      if (this.writing) {
        await this.writing;
        continue;
      }
      this.writing = this.writeBatch().finally(() => (this.writing = undefined));
    }
  }

  /**
   * The next messages after those already handed out, in order, at most `max`. Only one read at
   * a time. Everything handed out counts as in flight until ack()ed or rewind().
   */
  async read(max: number): Promise<SpooledMessage[]> {
    const epoch = this.readEpoch;
    for (;;) {
      const idx = this.segments.findIndex((s) => s.base === this.readPos.base);
      const seg = this.segments[idx];
      if (!seg) {
        const first = this.segments[0];
        if (!first || this.readPos.id >= first.base + first.count) return [];
        this.readPos = { id: first.base, base: first.base, offset: 0 };
        continue;
      }
      if (this.readPos.offset >= seg.bytes) {
        const next = this.segments[idx + 1];
        if (!next) return [];
        this.readPos = { id: next.base, base: next.base, offset: 0 };
        continue;
      }
      let buf = await this.readAt(seg, this.readPos.offset, FRAME_HEADER_BYTES);
      if (epoch !== this.readEpoch || this.closed) return [];
      const out: SpooledMessage[] = [];
      let off = 0;
      while (out.length < max) {
        const f = decodeFrame(buf, off);
        if (f.kind === 'partial') {
          if (off === 0 && f.need > buf.length && this.readPos.offset + f.need <= seg.bytes) {
            buf = await this.readAt(seg, this.readPos.offset, f.need);
            if (epoch !== this.readEpoch || this.closed) return [];
            if (buf.length >= f.need) continue;
          }
          break;
        }
        if (f.kind === 'corrupt') {
          this.cutSegment(seg, this.readPos.offset + off, this.readPos.id + out.length);
          break;
        }
        off += f.bytes;
        const id = this.readPos.id + out.length;
        out.push({ ...f.message, id });
        this.inflight.push({ id, base: seg.base, end: this.readPos.offset + off });
      }
      if (out.length === 0 && this.readPos.offset < seg.bytes) {
        // A frame that claims more bytes than the segment holds: same as corrupt.
        this.cutSegment(seg, this.readPos.offset, this.readPos.id);
        continue;
      }
      this.readPos = { id: this.readPos.id + out.length, base: seg.base, offset: this.readPos.offset + off };
      if (out.length > 0) return out;
    }
  }

  /** Corrupt data from `offset` on: what follows in this segment is lost (counted); writing moves on. */
  private cutSegment(seg: Segment, offset: number, id: number): void {
    this.o.log.error({ segment: seg.path, offset }, 'MQTT spool: corrupt record; skipping the rest of the segment');
    const lost = seg.base + seg.count - id;
    seg.bytes = offset;
    this.rollNext = true;
    if (lost > 0) this.drop(lost, 'io');
  }

  /** The broker acknowledged message `id` (or a QoS 0 message was written out). */
  ack(id: number): void {
    if (id < this.cursor.id) return;
    this.acked.add(id);
    while (this.inflight.length > 0 && this.acked.has(this.inflight[0]!.id)) {
      const f = this.inflight.shift()!;
      this.acked.delete(f.id);
      this.cursor = { id: f.id + 1, base: f.base, offset: f.end };
      this.cursorDirty = true;
    }
    this.releaseAckedSegments();
  }

  /** The connection dropped: everything in flight is sent again, from the cursor. */
  rewind(): void {
    this.readEpoch++;
    this.inflight = [];
    this.acked.clear();
    this.readPos = { ...this.cursor };
  }

  inflightCount(): number {
    return this.inflight.length;
  }

  /** Flushes, persists the cursor and closes files. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.cursorDirty = true;
    await this.persisting;
    await this.persistCursor();
    await this.sync();
    await this.writeFh?.fh.close().catch(() => {});
    await this.readFh?.fh.close().catch(() => {});
    this.writeFh = this.readFh = undefined;
  }

  private async writeBatch(): Promise<void> {
    const bufs = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    const data = Buffer.concat(bufs);
    const now = this.o.clock();
    try {
      const seg = await this.writeSegment();
      await seg.fh.write(data);
      const s = this.segments[this.segments.length - 1]!;
      s.bytes += data.length;
      s.count += bufs.length;
      s.newestTs = now;
      this.durableNext += bufs.length;
      this.durableCount += bufs.length;
      this.bytesWritten += data.length;
    } catch (err) {
      this.durableNext += bufs.length;
      this.rollNext = true;
      this.drop(bufs.length, 'io');
      this.o.log.error({ err, dir: this.o.dir }, 'MQTT spool: write failed; messages lost');
      return;
    }
    this.enforceBounds();
    this.o.onAvailable?.();
  }

  private async writeSegment(): Promise<{ fh: FileHandle }> {
    const last = this.segments[this.segments.length - 1];
    if (last && this.writeFh?.base === last.base && !this.rollNext && last.bytes < this.o.segmentBytes) return this.writeFh;
    if (last && !this.writeFh && !this.rollNext && last.bytes < this.o.segmentBytes && last.base + last.count === this.durableNext) {
      this.writeFh = { base: last.base, fh: await open(last.path, 'a') };
      return this.writeFh;
    }
    await this.writeFh?.fh.sync().catch(() => {});
    await this.writeFh?.fh.close().catch(() => {});
    this.writeFh = undefined;
    this.rollNext = false;
    const base = this.durableNext;
    const path = join(this.o.dir, `${String(base).padStart(16, '0')}.seg`);
    const fh = await open(path, 'w');
    this.segments.push({ base, path, bytes: 0, count: 0, newestTs: this.o.clock() });
    if (this.segments.length === 1) this.cursor = this.readPos = { id: base, base, offset: 0 };
    this.writeFh = { base, fh };
    return this.writeFh;
  }

  /**
   * At least `minLen` bytes of `seg` from `offset` (fewer only at the end of the file), served
   * from a read-ahead chunk: the log is append-only, so bytes once read never change.
   */
  private async readAt(seg: Segment, offset: number, minLen: number): Promise<Buffer> {
    const c = this.readCache;
    if (c && c.base === seg.base && offset >= c.start && offset + minLen <= c.start + c.buf.length) return c.buf.subarray(offset - c.start);
    if (this.readFh?.base !== seg.base) {
      await this.readFh?.fh.close().catch(() => {});
      this.readFh = { base: seg.base, fh: await open(seg.path, 'r') };
    }
    const len = Math.min(seg.bytes - offset, Math.max(minLen, READ_CHUNK));
    const buf = Buffer.allocUnsafe(len);
    const { bytesRead } = await this.readFh.fh.read(buf, 0, len, offset);
    this.readCache = { base: seg.base, start: offset, buf: buf.subarray(0, bytesRead) };
    return this.readCache.buf;
  }

  /** Drops the oldest segments past the byte or age bound (never the one being written). */
  private enforceBounds(): void {
    if (this.closed) return;
    const oldest = this.o.clock() - this.o.maxAgeMs;
    let total = this.diskBytes() + this.pendingBytes;
    for (;;) {
      const first = this.segments[0];
      if (!first) return;
      const overBytes = total > this.o.maxBytes;
      const overAge = first.count > 0 && first.newestTs < oldest;
      if (!overBytes && !overAge) return;
      if (this.segments.length === 1) {
        // The write segment itself is past a bound: start a new one; the old goes next time.
        this.rollNext = true;
        if (this.writing || first.count === 0) return;
      }
      total -= first.bytes;
      this.dropFirstSegment(overBytes ? 'bytes' : 'age');
    }
  }

  private dropFirstSegment(reason: DropReason): void {
    const seg = this.segments.shift()!;
    const unacked = seg.count - Math.max(0, this.cursor.id - seg.base);
    this.durableCount -= seg.count;
    this.toUnlink.push(seg.path);
    if (this.writeFh?.base === seg.base) {
      void this.writeFh.fh.close().catch(() => {});
      this.writeFh = undefined;
    }
    const next = this.segments[0];
    this.cursor = next ? { id: next.base, base: next.base, offset: 0 } : { id: this.durableNext, base: this.durableNext, offset: 0 };
    this.cursorDirty = true;
    if (this.readPos.id < this.cursor.id) {
      this.rewind();
    } else {
      this.inflight = this.inflight.filter((f) => f.id >= this.cursor.id);
    }
    if (unacked > 0) this.drop(unacked, reason);
  }

  private drop(count: number, reason: DropReason): void {
    this.droppedTotal += count;
    this.o.onDrop?.(count, reason);
  }

  /** Segments whose every message is acknowledged leave (the one being written stays). */
  private releaseAckedSegments(): void {
    for (;;) {
      const first = this.segments[0];
      const next = this.segments[1];
      if (!first || !next || this.cursor.base !== first.base || this.cursor.offset < first.bytes) return;
      this.segments.shift();
      this.durableCount -= first.count;
      this.toUnlink.push(first.path);
      this.cursor = { id: next.base, base: next.base, offset: 0 };
      this.cursorDirty = true;
    }
  }

  private async persistCursor(): Promise<void> {
    if (!this.cursorDirty || this.persisting) return;
    this.cursorDirty = false;
    const run = async (): Promise<void> => {
      const path = join(this.o.dir, CURSOR_FILE);
      try {
        await writeFile(`${path}.tmp`, JSON.stringify(this.cursor));
        await rename(`${path}.tmp`, path);
        const gone = this.toUnlink;
        this.toUnlink = [];
        for (const p of gone) await unlink(p).catch(() => {});
      } catch (err) {
        this.cursorDirty = true;
        this.o.log.warn({ err, dir: this.o.dir }, 'MQTT spool: cannot persist the cursor');
      }
    };
    this.persisting = run().finally(() => (this.persisting = undefined));
    await this.persisting;
  }

  private async sync(): Promise<void> {
    await this.writeFh?.fh.datasync().catch(() => {});
  }

  private async recover(): Promise<void> {
    const dir = this.o.dir;
    await mkdir(dir, { recursive: true, mode: 0o750 });
    const names = (await readdir(dir)).filter((n) => SEG_RE.test(n)).sort();
    for (const name of names) {
      const path = join(dir, name);
      const st = await stat(path);
      this.segments.push({ base: Number(SEG_RE.exec(name)![1]), path, bytes: st.size, count: 0, newestTs: st.mtimeMs });
    }
    for (let i = 0; i < this.segments.length - 1; i++) this.segments[i]!.count = this.segments[i + 1]!.base - this.segments[i]!.base;
    const last = this.segments[this.segments.length - 1];
    if (last) await this.scanLast(last);
    this.durableCount = this.segments.reduce((n, s) => n + s.count, 0);
    const saved = await readFile(join(dir, CURSOR_FILE), 'utf8').then((t) => JSON.parse(t) as Pos, () => undefined);
    const first = this.segments[0];
    if (last) this.durableNext = last.base + last.count;
    else if (saved && Number.isSafeInteger(saved.id)) this.durableNext = saved.id;
    const at = saved && this.segments.find((s) => s.base === saved.base);
    if (at && saved.offset <= at.bytes && saved.id >= at.base && saved.id <= at.base + at.count) this.cursor = { ...saved };
    else this.cursor = first ? { id: first.base, base: first.base, offset: 0 } : { id: this.durableNext, base: this.durableNext, offset: 0 };
    // Segments before the cursor's are fully acknowledged.
    while (this.segments[0] && this.segments[0].base !== this.cursor.base) {
      const s = this.segments.shift()!;
      this.durableCount -= s.count;
      await unlink(s.path).catch(() => {});
    }
    this.releaseAckedSegments();
    this.readPos = { ...this.cursor };
    if (this.depth() > 0) this.o.log.info({ dir, messages: this.depth(), bytes: this.diskBytes() }, 'MQTT spool: messages from an earlier run will be replayed');
  }

  /** Counts the last segment's records and cuts a torn tail (a crash mid-write). */
  private async scanLast(seg: Segment): Promise<void> {
    const buf = await readFile(seg.path);
    let off = 0;
    let count = 0;
    for (;;) {
      const f = decodeFrame(buf, off);
      if (f.kind !== 'record') break;
      off += f.bytes;
      count++;
    }
    if (off < buf.length) {
      this.o.log.warn({ segment: seg.path, kept_bytes: off, cut_bytes: buf.length - off }, 'MQTT spool: cutting a torn record at the end of the last segment');
      await truncate(seg.path, off);
    }
    seg.bytes = off;
    seg.count = count;
  }
}
