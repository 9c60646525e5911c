/**
 * An append-only byte buffer for the exposition text: latin1/ASCII strings and cached byte
 * prefixes copied straight into one Buffer, so a 10k-signal scrape is memcpy, not string joins.
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

  byte(c: number): void {
    this.ensure(1);
    this.buf[this.len++] = c;
  }

  result(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}
