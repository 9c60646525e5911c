/**
 * The plant's clock. Simulated time is ms since epoch, like the gateway's timestamps, but may run
 * faster than real time (the demo and tests speed the physics up); tests step a manual clock.
 */
export interface SimClock {
  /** Simulated time, ms since epoch. */
  now(): number;
  /** Simulated seconds per real second. */
  readonly speed: number;
}

/** Real time scaled by `speed` from the moment it is created. */
export class ScaledClock implements SimClock {
  readonly speed: number;
  private readonly real: () => number;
  private readonly t0: number;

  constructor(speed = 1, real: () => number = Date.now) {
    if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`sim speed must be a positive number, got ${speed}`);
    this.speed = speed;
    this.real = real;
    this.t0 = real();
  }

  now(): number {
    return this.t0 + (this.real() - this.t0) * this.speed;
  }
}

/** A clock that moves only when told (tests). */
export class ManualClock implements SimClock {
  readonly speed = 1;
  private t: number;

  constructor(start = Date.UTC(2025, 0, 1)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  advance(ms: number): number {
    this.t += ms;
    return this.t;
  }
}
