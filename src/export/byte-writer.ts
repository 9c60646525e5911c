/**
 * An append-only byte buffer for the exposition text: latin1/ASCII strings and cached byte
 * prefixes copied straight into one Buffer, so a 10k-signal scrape is memcpy, not string joins.
 * reset() keeps the buffer: the scrape endpoint writes every scrape into the same few megabytes
 * instead of allocating (and page-faulting, and making V8 count as external memory) a new one.
 */
export class ByteWriter {
  private buf: Buffer;
  private len = 0;

  constructor(sizeHint = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(Math.max(1024, sizeHint));
  }

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  /** Forgets the content, keeps the buffer (its previous result must no longer be in use). */
  reset(): void {
    this.len = 0;
  }

  /** `src[start, end)` copied in (a slice of a cached prefix run, no subarray object). */
  slice(src: Buffer, start: number, end: number): void {
    this.ensure(end - start);
    this.len += src.copy(this.buf, this.len, start, end);
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /** UTF-8 text (label values may hold any character). */
  text(s: string): void {
    this.ensure(s.length * 3);
    this.len += this.buf.write(s, this.len, 'utf8');
  }

  /** ASCII-only text (numbers, names): short strings are copied char by char (no call overhead). */
  ascii(s: string): void {
    const n = s.length;
    this.ensure(n);
    if (n > 32) {
      this.len += this.buf.write(s, this.len, 'latin1');
      return;
    }
    const buf = this.buf;
    let at = this.len;
    for (let i = 0; i < n; i++) buf[at++] = s.charCodeAt(i);
    this.len = at;
  }

  /**
   * A sample value as JavaScript prints it (String(v)), writing the digits directly when v is a
   * decimal with at most 6 fractional digits below 1e9 (qualities, ages in ms / 1000, limits):
   * V8's double-to-string takes ~200 ns a value, the digit loop a tenth of that. Below 1e9 the
   * spacing of doubles is under 1e-6, so no other such decimal maps to v: the digits are exactly
   * String(v)'s shortest round-trip form. Anything else (and +-Inf, NaN) goes through String(v).
   */
  number(v: number): void {
    const scaled = Math.round(v * 1e6);
    if (!(v < 1e9 && v > -1e9) || scaled / 1e6 !== v) {
      this.ascii(v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v));
      return;
    }
    this.ensure(24);
    const buf = this.buf;
    let n = scaled;
    if (n < 0) {
      buf[this.len++] = 45; // '-'
      n = -n;
    }
    let int = Math.floor(n / 1e6);
    let frac = n - int * 1e6;
    // Integer part, most significant digit first.
    const start = this.len;
    do {
      const q = Math.floor(int / 10);
      buf[this.len++] = 48 + (int - q * 10);
      int = q;
    } while (int > 0);
    for (let i = start, j = this.len - 1; i < j; i++, j--) {
      const c = buf[i]!;
      buf[i] = buf[j]!;
      buf[j] = c;
    }
    if (frac === 0) return;
    buf[this.len++] = 46; // '.'
    let digits = 6;
    while (frac % 10 === 0) {
      frac /= 10;
      digits--;
    }
    for (let i = digits - 1, f = frac; i >= 0; i--) {
      const q = Math.floor(f / 10);
      buf[this.len + i] = 48 + (f - q * 10);
      f = q;
    }
    this.len += digits;
  }

  byte(c: number): void {
    this.ensure(1);
    this.buf[this.len++] = c;
  }

  /** A view of the bytes written (shares the buffer: valid until the next reset() or write). */
  result(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}
