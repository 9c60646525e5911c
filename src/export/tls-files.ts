/** Reads TLS material for a listener or client, refusing private keys others can read. */
import { readFileSync, statSync } from 'node:fs';
import { LoopgateError } from '../errors.ts';

export class TlsFileError extends LoopgateError {
  constructor(message: string, cause?: unknown) {
    super('LOOPGATE_TLS_FILE', message, cause === undefined ? {} : { cause });
  }
}

export function readTlsFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new TlsFileError(`cannot read ${what} ${path}: ${(err as Error).message}`, err);
  }
}

/** A private key must be mode 0600 or 0400: readable by group or others is refused. */
export function readPrivateKey(path: string, what: string): Buffer {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (err) {
    throw new TlsFileError(`cannot read ${what} ${path}: ${(err as Error).message}`, err);
  }
  if ((mode & 0o077) !== 0) throw new TlsFileError(`${what} ${path} is readable by group or others (mode ${(mode & 0o777).toString(8)}); chmod 600 it`);
  return readTlsFile(path, what);
}
