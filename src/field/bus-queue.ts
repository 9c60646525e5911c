/** One bus, one queue: jobs run strictly one after another, in the order they were queued. */
export class BusQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  run<T>(job: () => Promise<T>): Promise<T> {
    this.waiting++;
    const result = this.tail.then(() => {
      this.waiting--;
      return job();
    });
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Jobs queued and not started yet. */
  get depth(): number {
    return this.waiting;
  }
}
