/**
 * A fixed-capacity ring of (timestamp, value) pairs in two Float64Arrays: 16 bytes a sample, no
 * per-sample objects, memory bounded by the capacity whatever the uptime. Storage grows by doubling
 * up to the capacity, so a signal polled for a minute does not pay for fifteen.
 */
export class HistoryRing {
  readonly capacity: number;
  private ts: Float64Array;
  private vs: Float64Array;
  /** Index the next push writes. */
  private head = 0;
  private size = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`history capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    const initial = Math.min(capacity, 64);
    this.ts = new Float64Array(initial);
    this.vs = new Float64Array(initial);
  }

  get length(): number {
    return this.size;
  }

  /** Bytes held by the sample arrays. */
  get allocatedBytes(): number {
    return this.ts.byteLength + this.vs.byteLength;
  }

  push(ts: number, value: number): void {
    if (this.size === this.ts.length && this.size < this.capacity) this.grow();
    this.ts[this.head] = ts;
    this.vs[this.head] = value;
    this.head = (this.head + 1) % this.ts.length;
    if (this.size < this.ts.length) this.size++;
  }

  /** Visits samples with ts >= since, oldest first. */
  forEachSince(since: number, fn: (ts: number, value: number) => void): void {
    const n = this.ts.length;
    // Walk back from the newest to the first sample older than `since`, then forward.
    let count = 0;
    while (count < this.size && this.ts[(this.head - 1 - count + n) % n]! >= since) count++;
    for (let k = count; k > 0; k--) {
      const i = (this.head - k + n) % n;
      fn(this.ts[i]!, this.vs[i]!);
    }
  }

  /** The newest sample's timestamp, or null when empty. */
  newestTs(): number | null {
    return this.size === 0 ? null : this.ts[(this.head - 1 + this.ts.length) % this.ts.length]!;
  }

  private grow(): void {
    const len = Math.min(this.capacity, this.ts.length * 2);
    const ts = new Float64Array(len);
    const vs = new Float64Array(len);
    // Linearise oldest-first; the ring is full here, so the oldest sample sits at head.
    for (let k = 0; k < this.size; k++) {
      const i = (this.head + k) % this.ts.length;
      ts[k] = this.ts[i]!;
      vs[k] = this.vs[i]!;
    }
    this.ts = ts;
    this.vs = vs;
    this.head = this.size % len;
  }
}
