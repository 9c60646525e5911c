/**
 * Server credentials from gate.tls: TLS with the server's key pair; with client_ca, a client
 * certificate signed by that CA is required (mTLS) and the private CA is always what verifies it.
 * A private key readable by group or others is refused here too (the daemon path, not only
 * check-config): LG_CONFIG_KEY_MODE, which makes `run` exit 78.
 */
import { readFileSync, statSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { GateConfig } from '../config/schema.ts';
import { LoopgateError } from '../errors.ts';

export class TlsConfigError extends LoopgateError {}

export function serverCredentials(gate: Pick<GateConfig, 'tls'>): grpc.ServerCredentials {
  const files = readTlsFiles(gate);
  if (!files) return grpc.ServerCredentials.createInsecure();
  const ca = files.clientCa ?? null;
  return grpc.ServerCredentials.createSsl(ca, [{ cert_chain: files.cert, private_key: files.key }], ca !== null);
}

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
  clientCa: Buffer | undefined;
}

/** gate.tls read from disk (the key's mode checked first); undefined without TLS. The HTTP adapters use the same files. */
export function readTlsFiles(gate: Pick<GateConfig, 'tls'>): TlsFiles | undefined {
  const tls = gate.tls;
  if (!tls) return undefined;
  checkKeyMode(tls.key);
  const read = (what: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new TlsConfigError('LG_CONFIG_TLS_FILE', `gate.tls.${what}: cannot read ${file}: ${(err as Error).message}`, { cause: err });
    }
  };
  return { cert: read('cert', tls.cert), key: read('key', tls.key), clientCa: tls.client_ca !== undefined ? read('client_ca', tls.client_ca) : undefined };
}

export function checkKeyMode(file: string): void {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (err) {
    throw new TlsConfigError('LG_CONFIG_TLS_FILE', `gate.tls.key: cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  if ((mode & 0o077) !== 0) {
    const m = (mode & 0o777).toString(8).padStart(4, '0');
    throw new TlsConfigError('LG_CONFIG_KEY_MODE', `gate.tls.key: private key ${file} is readable by group or others (mode ${m}); refusing to start. Run: chmod 600 ${file}`);
  }
}
