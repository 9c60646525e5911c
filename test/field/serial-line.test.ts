/**
 * SerialLine on a real pty pair (socat): bytes pass unchanged both ways, a write larger than the
 * kernel's buffers completes once the other end reads, a hangup ends the line with an error, and
 * close() releases the device.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { SerialLine, SerialLineError } from '../../src/field/serial-line.ts';
import type { SerialFraming } from '../../src/field/wire-timing.ts';
import { startPtyPair } from '../helpers/field-fixture.ts';
import { requireBinary } from '../helpers/peers.ts';
import { tempDir } from '../helpers/cli.ts';

const framing: SerialFraming = { baud: 115200, data_bits: 8, parity: 'even', stop_bits: 1 };

/** Resolves with the first `n` bytes the line delivers. */
function receive(line: SerialLine, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  return new Promise((resolve, reject) => {
    line.on('error', reject);
    line.on('data', (c: Buffer) => {
      chunks.push(c);
      got += c.length;
      if (got >= n) resolve(Buffer.concat(chunks));
    });
  });
}

test('SerialLine: bytes pass unchanged both ways; a write beyond the kernel buffers completes as the other end reads', async (t) => {
  if (!requireBinary(t, 'socat')) return;
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const pty = await startPtyPair(tmp.dir);
  t.after(() => pty.stop());
  const a = await SerialLine.open(pty.a, framing);
  const b = await SerialLine.open(pty.b, framing);
  t.after(() => Promise.all([a.close(), b.close()]));

  const request = Buffer.from([0x01, 0x03, 0x00, 0x00, 0x00, 0x7d, 0x85, 0xeb]);
  const atB = receive(b, request.length);
  a.write(request);
  assert.deepEqual(await atB, request);

  // 1 MiB cannot sit in a pty's buffers (nor socat's): the writer must wait for the reader.
  const big = randomBytes(1 << 20);
  const written = new Promise<void>((resolve, reject) => b.write(big, (err) => (err ? reject(err) : resolve())));
  const atA = receive(a, big.length);
  await written;
  const got = await atA;
  assert.equal(got.length, big.length);
  assert.ok(got.equals(big), 'the bytes arrive in order and unchanged');
});

test('SerialLine: the other end vanishing ends the line with SERIAL_GONE; close() is safe twice and frees the device', async (t) => {
  if (!requireBinary(t, 'socat')) return;
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const pty = await startPtyPair(tmp.dir);
  const a = await SerialLine.open(pty.a, framing);
  a.resume();
  const failed = once(a, 'error');
  await pty.stop();
  const [err] = (await failed) as [SerialLineError];
  assert.ok(err instanceof SerialLineError, String(err));
  assert.equal(err.code, 'SERIAL_GONE', err.message);
  await a.close();
  await a.close();

  // A closed line gives the device back: it can be opened (exclusively) again.
  const again = await startPtyPair(tmp.dir, 'again');
  t.after(() => again.stop());
  const first = await SerialLine.open(again.a, framing);
  await first.close();
  await first.close();
  const second = await SerialLine.open(again.a, framing);
  await second.close();
});
