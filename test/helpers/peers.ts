/** Debian peers for the field tests: skip visibly locally when missing, fail under CI=true. */
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';

export const debianPython = '/usr/bin/python3';

function present(name: string): boolean {
  if (name === 'pymodbus') {
    return existsSync(debianPython) && spawnSync(debianPython, ['-c', 'import pymodbus.server, serial'], { stdio: 'ignore' }).status === 0;
  }
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** True when the binary is there; otherwise skips the test (throws under CI=true). */
export function requireBinary(t: TestContext, name: 'socat' | 'pymodbus' | 'mbpoll'): boolean {
  if (present(name)) return true;
  const reason = `${name} is not installed (Debian: ${name === 'pymodbus' ? 'python3-pymodbus python3-serial-asyncio' : name})`;
  if (process.env['CI'] === 'true') throw new Error(`${reason}; required under CI`);
  t.skip(reason);
  return false;
}
