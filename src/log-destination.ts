/**
 * Where the daemon's log lines go: stdout, one write(2) per event-loop turn instead of one per
 * line. Under load the gate logs one audit line per Evaluate; with a synchronous destination each
 * was its own write(2) (in the gate benchmark's server profile, a third of the cost of a
 * decision's log line). Lines logged in one turn are joined and written synchronously from
 * setImmediate, in the same loop iteration (before any timer, and before the next I/O is read),
 * through a synchronous SonicBoom (which handles short writes and EAGAIN on a full pipe). On exit
 * (process.exit, a fatal error, an uncaught exception) whatever is pending is written first. What a
 * SIGKILL can cost: the lines of the turn it lands in.
 */
import { pino, type DestinationStream } from 'pino';

export class TurnBatchedDestination implements DestinationStream {
  private readonly sink: (chunk: string) => void;
  private pending = '';
  private scheduled = false;
  private readonly flushSoon = (): void => this.flush();

  /** `sink`: receives each turn's lines as one string (stdout, synchronously, by default). */
  constructor(sink: (chunk: string) => void = stdoutSink()) {
    this.sink = sink;
    live.add(this);
    if (live.size === 1) process.once('exit', flushAll);
  }

  write(line: string): boolean {
    this.pending += line;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushSoon);
    }
    return true;
  }

  /** Writes what is pending now (also what pino's final flush calls). */
  flush(): void {
    this.scheduled = false;
    if (this.pending === '') return;
    const chunk = this.pending;
    this.pending = '';
    this.sink(chunk);
  }

  flushSync(): void {
    this.flush();
  }
}

// One exit hook for every destination (a daemon has one; a test process may build a few).
const live = new Set<TurnBatchedDestination>();
function flushAll(): void {
  for (const d of live) d.flush();
}

function stdoutSink(): (chunk: string) => void {
  const out = pino.destination({ dest: 1, sync: true });
  return (chunk) => void out.write(chunk);
}
