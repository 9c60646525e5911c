/**
 * Serial wire arithmetic: character time from baud and framing, the t3.5 inter-frame silence
 * (fixed 1.75 ms above 19200 baud, Modbus over serial line v1.02 section 2.5.1.1) and frame times.
 */
export interface SerialFraming {
  baud: number;
  data_bits: 7 | 8;
  parity: 'none' | 'even' | 'odd';
  stop_bits: 1 | 2;
}

/** Bits on the wire per character: start + data + parity + stop. */
export function bitsPerChar(f: SerialFraming): number {
  return 1 + f.data_bits + (f.parity === 'none' ? 0 : 1) + f.stop_bits;
}

/** Seconds one character takes. */
export function charTimeS(f: SerialFraming): number {
  return bitsPerChar(f) / f.baud;
}

/** The inter-frame silence in seconds. */
export function t35S(f: SerialFraming): number {
  return f.baud > 19200 ? 0.00175 : 3.5 * charTimeS(f);
}

/** Seconds `bytes` characters occupy the wire. */
export function wireTimeS(f: SerialFraming, bytes: number): number {
  return bytes * charTimeS(f);
}
