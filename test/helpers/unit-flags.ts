/**
 * The Node flags of systemd/loopgate.service's ExecStart: how the daemon is deployed. The
 * Dockerfile's ENTRYPOINT carries the same (test/deploy/dockerfile.test.ts); the chaos soak and
 * the Modbus/TCP daemon benchmark run the daemon with them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './cli.ts';

export function unitNodeFlags(): string[] {
  const unit = readFileSync(join(repoRoot, 'systemd', 'loopgate.service'), 'utf8');
  return (/^ExecStart=\S+node((?:\s+--\S+)*)\s/m.exec(unit)?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
}
