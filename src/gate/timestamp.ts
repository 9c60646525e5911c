/** ms since epoch <-> google.protobuf.Timestamp (64-bit seconds as a string, as the loader gives them). */
import type { Timestamp } from './proto-types.ts';

export function toTimestamp(ms: number): Timestamp {
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

export function fromTimestamp(ts: Timestamp | null | undefined): number {
  return ts ? Number(ts.seconds) * 1000 + Math.round(ts.nanos / 1e6) : 0;
}
