/**
 * One memory-reducing collection once start-up is over. Start-up (type-stripping the sources,
 * parsing a large YAML config, loading protos) is a short burst of allocation that grows V8's
 * young generation and old space far past the live data; the freed pages then stay pooled and
 * resident. V8's memory reducer would return them when the process goes idle, but it runs from
 * idle-time tasks, which Node's platform never schedules: without this, a daemon whose live heap
 * is 26 MB kept ~100 MB of empty heap pages for its whole life (README, "Modbus/TCP daemon").
 *
 * The collection V8 runs under memory pressure ("last-resort") does return them. It is reached
 * through V8's gc extension, exposed for one fresh context only and switched off again, so
 * nothing else in the process sees a `gc` global. A full collection of a small heap once, after
 * the first full poll cycle: tens of milliseconds, never repeated.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type GcExtension = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

export interface TrimResult {
  rssBeforeBytes: number;
  rssAfterBytes: number;
  ms: number;
}

/** Runs the collection; undefined when this V8 offers no gc extension (nothing is done then). */
export function trimHeap(): TrimResult | undefined {
  const gc = gcExtension();
  if (gc === undefined) return undefined;
  const rssBeforeBytes = process.memoryUsage.rss();
  const t0 = performance.now();
  gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  return { rssBeforeBytes, rssAfterBytes: process.memoryUsage.rss(), ms: performance.now() - t0 };
}

function gcExtension(): GcExtension | undefined {
  if (typeof globalThis.gc === 'function') return globalThis.gc as GcExtension;
  setFlagsFromString('--expose-gc');
  try {
    const gc: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
    return typeof gc === 'function' ? (gc as GcExtension) : undefined;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}
