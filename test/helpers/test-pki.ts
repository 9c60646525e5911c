/**
 * Test PKI made with /usr/bin/openssl in a temp dir: a private CA, a server cert, client certs
 * (valid, expired, not yet valid, from another CA, self-signed). Dates in the past or future come
 * from `openssl ca -startdate/-enddate` (OpenSSL 3.0's x509 has no -not_before).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const OPENSSL = '/usr/bin/openssl';

export function requireOpenssl(t: { skip(msg: string): void }): boolean {
  if (existsSync(OPENSSL)) return true;
  if (process.env['CI'] === 'true') throw new Error(`${OPENSSL} is required under CI`);
  t.skip(`${OPENSSL} not installed`);
  return false;
}

export class TestPki {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }

  f(name: string): string {
    return join(this.dir, name);
  }

  private ossl(...args: string[]): void {
    execFileSync(OPENSSL, args, { cwd: this.dir, stdio: ['ignore', 'ignore', 'pipe'] });
  }

  /** A self-signed CA `name` (name.crt, name.key) with its own `openssl ca` database. */
  ca(name: string): void {
    this.ossl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-subj', `/CN=${name}`, '-days', '2');
    const db = this.f(`${name}-db`);
    mkdirSync(db);
    writeFileSync(join(db, 'index.txt'), '');
    writeFileSync(join(db, 'serial'), '1000\n');
    writeFileSync(
      this.f(`${name}.cnf`),
      `[ ca ]\ndefault_ca = c\n[ c ]\ndatabase = ${db}/index.txt\nnew_certs_dir = ${db}\nserial = ${db}/serial\ndefault_md = sha256\npolicy = any\nunique_subject = no\ncopy_extensions = none\n[ any ]\ncommonName = supplied\n[ client ]\nextendedKeyUsage = clientAuth\n[ server ]\nextendedKeyUsage = serverAuth\nsubjectAltName = DNS:localhost,IP:127.0.0.1\n`,
    );
  }

  /** A cert `name` for CN `cn` signed by CA `ca`, valid from `start` to `end` (YYYYMMDDHHMMSSZ). */
  issue(name: string, cn: string, ca: string, kind: 'client' | 'server', start: string, end: string): void {
    this.ossl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    this.ossl('ca', '-batch', '-config', `${ca}.cnf`, '-cert', `${ca}.crt`, '-keyfile', `${ca}.key`, '-in', `${name}.csr`, '-out', `${name}.crt`, '-startdate', start, '-enddate', end, '-extensions', kind, '-notext');
    chmodSync(this.f(`${name}.key`), 0o600);
  }

  /** A cert `name` for CN `cn` signed by CA `ca` for a day, with extensions in openssl's
   *  extfile syntax (e.g. `subjectAltName=URI:spiffe://...`). */
  issueExt(name: string, cn: string, ca: string, ext: string): void {
    this.ossl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    writeFileSync(this.f(`${name}.ext`), ext);
    this.ossl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', '-extfile', `${name}.ext`);
    chmodSync(this.f(`${name}.key`), 0o600);
  }

  /** A self-signed client cert claiming CN `cn`. */
  selfSigned(name: string, cn: string): void {
    this.ossl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-subj', `/CN=${cn}`, '-days', '2', '-addext', 'extendedKeyUsage=clientAuth');
    chmodSync(this.f(`${name}.key`), 0o600);
  }
}

/** YYYYMMDDHHMMSSZ for now + `days`. */
export function certDate(days: number): string {
  return `${new Date(Date.now() + days * 86_400_000).toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}
