/** Tests that need a Debian binary skip visibly without it locally, and fail under CI=true. */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { TestContext } from 'node:test';

export function findBinary(name: string): string | undefined {
  const dirs = name.includes('/') ? [''] : (process.env['PATH'] ?? '').split(delimiter);
  for (const d of dirs) {
    const p = d ? join(d, name) : name;
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return undefined;
}

/** Returns the binary's path, or undefined after `t.skip()` (throws under CI=true). */
export function requireBinary(t: TestContext, name: string): string | undefined {
  const found = findBinary(name);
  if (found) return found;
  const reason = `${name} not installed (Debian package; .ci/run installs it)`;
  if (process.env['CI'] === 'true') throw new Error(`${reason}: required under CI`);
  t.skip(reason);
  return undefined;
}
