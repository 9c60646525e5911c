/** The lifecycle contract every long-lived part of the daemon implements. */
export interface Component {
  readonly name: string;
  /** Opens sockets and timers; rejects when the component cannot run. */
  start(): Promise<void>;
  /** Drains in-flight work, closes sockets and timers. Idempotent; never rejects. */
  stop(): Promise<void>;
}

/** Resolves after `ms`, unref'd so a pending bound never keeps the process alive. */
export function boundedDelay(ms: number): { promise: Promise<'timeout'>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
    timer.unref();
  });
  return { promise, cancel: () => clearTimeout(timer) };
}
