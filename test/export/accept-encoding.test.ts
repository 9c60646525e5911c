/** Accept-Encoding: when /metrics may answer gzip. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acceptsGzip } from '../../src/export/accept-encoding.ts';

const cases: Array<{ header: string | string[] | undefined; gzip: boolean }> = [
  { header: undefined, gzip: false },
  { header: '', gzip: false },
  { header: 'gzip', gzip: true },
  { header: 'GZIP', gzip: true },
  { header: 'x-gzip', gzip: true },
  { header: 'identity', gzip: false },
  { header: 'deflate, br', gzip: false },
  { header: 'gzip, deflate, br', gzip: true },
  { header: 'br;q=1.0, gzip;q=0.8, *;q=0.1', gzip: true },
  { header: 'gzip;q=0', gzip: false },
  { header: 'gzip ; q=0.000', gzip: false },
  { header: '*', gzip: true },
  { header: '*;q=0', gzip: false },
  { header: 'gzip;q=0, *', gzip: false },
  { header: 'gzipped', gzip: false },
  { header: ['deflate', 'gzip'], gzip: true },
];

for (const c of cases) {
  test(`Accept-Encoding ${JSON.stringify(c.header)} -> ${c.gzip ? 'gzip' : 'identity'}`, () => {
    assert.equal(acceptsGzip(c.header), c.gzip);
  });
}
