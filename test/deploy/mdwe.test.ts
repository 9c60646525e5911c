/**
 * Why the unit keeps MemoryDenyWriteExecute off, shown rather than claimed: under the kernel's
 * PR_SET_MDWE (Linux >= 6.3; the W^X rule systemd's MemoryDenyWriteExecute= enforces) Node aborts
 * at start-up, and the one escape, `node --jitless`, cannot run loopgate because it disables
 * WebAssembly, which Node's TypeScript type stripping needs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { binPath } from '../helpers/cli.ts';
import { requireBinary } from './require-binary.ts';

// Sets PR_SET_MDWE (65) with PR_MDWE_REFUSE_EXEC_GAIN (1), then execs the rest of argv; exit 3 when
// the kernel does not know the option.
const underMdwe = `
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(65, 1, 0, 0, 0) != 0:
    sys.exit(3)
os.execv(sys.argv[1], sys.argv[1:])
`;

test('Node aborts under memory-deny-write-execute', (t) => {
  const python = requireBinary(t, '/usr/bin/python3');
  if (!python) return;
  const res = spawnSync(python, ['-c', underMdwe, process.execPath, '-e', 'process.exit(0)'], { encoding: 'utf8' });
  if (res.status === 3) return t.skip('kernel without PR_SET_MDWE (Linux < 6.3)');
  assert.notEqual(res.status, 0);
  assert.match(res.stderr, /SetPermissions/, res.stderr.slice(0, 400));
});

test('node --jitless cannot run loopgate (no WebAssembly for type stripping)', () => {
  const res = spawnSync(process.execPath, ['--jitless', binPath, 'version'], { encoding: 'utf8' });
  assert.notEqual(res.status, 0);
  assert.match(res.stderr, /ERR_WEBASSEMBLY_NOT_SUPPORTED/);
});
