/**
 * Readiness: the daemon is ready when every part that registered a condition has met it (config
 * loaded, each bus opened once, first full poll cycle done). /readyz, gRPC health and systemd's
 * READY=1 all read this one object.
 */
import { EventEmitter, once } from 'node:events';

export class Readiness extends EventEmitter<{ ready: [] }> {
  private readonly pending = new Set<string>();
  private sealed = false;

  /** Registers a condition; call the returned function when it is met. Idempotent. */
  require(name: string): () => void {
    this.pending.add(name);
    return () => {
      if (!this.pending.delete(name)) return;
      if (this.isReady()) this.emit('ready');
    };
  }

  /** Called once the service has started every component: conditions can no longer be added. */
  seal(): void {
    this.sealed = true;
    if (this.isReady()) this.emit('ready');
  }

  isReady(): boolean {
    return this.sealed && this.pending.size === 0;
  }

  /** Conditions not met yet, for /readyz's body and logs. */
  waitingFor(): string[] {
    return [...this.pending];
  }

  async whenReady(signal?: AbortSignal): Promise<void> {
    if (this.isReady()) return;
    await once(this, 'ready', signal ? { signal } : {});
  }
}
