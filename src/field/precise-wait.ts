/**
 * Waits until a point on the monotonic clock (performance.now(), ms) with sub-millisecond
 * accuracy: a timer for the bulk, then setImmediate turns for the last stretch. Node's timers
 * round to whole milliseconds and fire late; t3.5 at 115200 baud is 1.75 ms, so they alone
 * would cost a few percent of the bus.
 */
import { performance } from 'node:perf_hooks';

const SPIN_MS = 1.5;

export function waitUntil(targetMs: number): Promise<void> {
  return new Promise((resolve) => {
    const step = (): void => {
      const left = targetMs - performance.now();
      if (left <= 0) resolve();
      else if (left > SPIN_MS) setTimeout(step, Math.floor(left - SPIN_MS));
      else setImmediate(step);
    };
    step();
  });
}

export function nowMs(): number {
  return performance.now();
}
