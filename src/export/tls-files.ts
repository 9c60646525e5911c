/**
 * Reads TLS material for a listener or client, refusing private keys others can read. The codes
 * start with LG_CONFIG (as gate.tls's do), so `run` exits 78 on them: a fix in the config or on
 * disk is what is needed, not a restart.
 */
import { readFileSync, statSync } from 'node:fs';
import { LoopgateError } from '../errors.ts';

export class TlsFileError extends LoopgateError {
  constructor(code: 'LG_CONFIG_TLS_FILE' | 'LG_CONFIG_KEY_MODE', message: string, cause?: unknown) {
    super(code, message, cause === undefined ? {} : { cause });
  }
}

export function readTlsFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new TlsFileError('LG_CONFIG_TLS_FILE', `cannot read ${what} ${path}: ${(err as Error).message}`, err);
  }
}

/** A private key must be mode 0600 or 0400: readable by group or others is refused. */
export function readPrivateKey(path: string, what: string): Buffer {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (err) {
    throw new TlsFileError('LG_CONFIG_TLS_FILE', `cannot read ${what} ${path}: ${(err as Error).message}`, err);
  }
  if ((mode & 0o077) !== 0) {
    const m = (mode & 0o777).toString(8).padStart(4, '0');
    throw new TlsFileError('LG_CONFIG_KEY_MODE', `${what} ${path} is readable by group or others (mode ${m}); refusing to start. Run: chmod 600 ${path}`);
  }
  return readTlsFile(path, what);
}
