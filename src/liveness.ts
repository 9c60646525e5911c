/**
 * Liveness: is the daemon still doing its job? Readiness answers "has it started"; this answers
 * "is every loop that matters still turning". Each long-running loop (one per bus poll loop)
 * registers with the longest silence it may show and calls `beat()` after every cycle, whatever
 * the cycle's outcome (a device timing out is a healthy loop reporting a sick device; a loop
 * that stops cycling is the stall the watchdog exists for). systemd's WATCHDOG=1 is only sent
 * while `check()` says alive, so a stalled loop gets the service restarted.
 *
 * With no loop registered (a config without buses) the only honest signal left is that the event
 * loop still runs the watchdog's own timer: `check()` then says alive.
 */
/** Milliseconds since the epoch (Date.now in the daemon, a fake in tests). */
export type Clock = () => number;

export interface LoopHealth {
  name: string;
  /** Milliseconds since the last beat (or since registration when it never beat). */
  silentMs: number;
  maxSilenceMs: number;
}

export interface LivenessReport {
  alive: boolean;
  /** Loops silent for longer than they may be. */
  stalled: LoopHealth[];
}

export interface LoopBeat {
  /** Call after every completed cycle of the loop. */
  beat(): void;
  /** The loop stopped on purpose (component stop): it is no longer watched. */
  done(): void;
}

interface Entry {
  last: number;
  maxSilenceMs: number;
}

export class Liveness {
  private readonly loops = new Map<string, Entry>();
  private readonly clock: Clock;

  constructor(clock: Clock = Date.now) {
    this.clock = clock;
  }

  /**
   * Watches a loop from now on. `maxSilenceMs` is the longest time between two beats of a healthy
   * loop (for a poll loop: a few poll periods plus the worst case of timeouts and retries).
   */
  register(name: string, maxSilenceMs: number): LoopBeat {
    if (!(maxSilenceMs > 0)) throw new RangeError(`liveness: maxSilenceMs for "${name}" must be > 0`);
    const entry: Entry = { last: this.clock(), maxSilenceMs };
    this.loops.set(name, entry);
    return {
      beat: () => {
        entry.last = this.clock();
      },
      done: () => {
        if (this.loops.get(name) === entry) this.loops.delete(name);
      },
    };
  }

  check(now: number = this.clock()): LivenessReport {
    const stalled: LoopHealth[] = [];
    for (const [name, e] of this.loops) {
      const silentMs = now - e.last;
      if (silentMs > e.maxSilenceMs) stalled.push({ name, silentMs, maxSilenceMs: e.maxSilenceMs });
    }
    return { alive: stalled.length === 0, stalled };
  }

  /** Names of the loops being watched. */
  watched(): string[] {
    return [...this.loops.keys()];
  }
}
