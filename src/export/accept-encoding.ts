/**
 * Whether an Accept-Encoding header admits gzip (RFC 9110 12.5.3): `gzip` (or `x-gzip`) with a
 * non-zero q, or `*` with a non-zero q when gzip is not named. Prometheus sends `gzip`.
 */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  if (header === undefined) return false;
  let star: boolean | undefined;
  for (const part of (Array.isArray(header) ? header.join(',') : header).split(',')) {
    const [token = '', ...params] = part.split(';');
    const coding = token.trim().toLowerCase();
    if (coding !== 'gzip' && coding !== 'x-gzip' && coding !== '*') continue;
    let q = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p);
      if (m) q = Number(m[1]);
    }
    if (coding === '*') star = q > 0;
    else return q > 0;
  }
  return star ?? false;
}
