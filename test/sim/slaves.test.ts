/** The simulated slaves: reads answered from the RegisterSource, every function code recorded, writes refused. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { duplexPair } from 'node:stream';
import { withCrc, crcOk } from '../../src/field/crc16.ts';
import { startRtuSlave } from '../../src/sim/rtu-slave.ts';
import { startTcpSlave } from '../../src/sim/tcp-slave.ts';
import type { RegisterSource } from '../../src/sim/register-source.ts';

const source: RegisterSource = { read: (_u, fn, a, c) => ({ kind: 'values', values: Array.from({ length: c }, (_, i) => (fn <= 2 ? (a + i) % 2 : a + i)) }) };

// Write requests as a master would frame them: 5, 6, 15, 16, 22, 23.
const writes = [
  [5, 0x00, 0x01, 0xff, 0x00],
  [6, 0x00, 0x01, 0x12, 0x34],
  [15, 0x00, 0x01, 0x00, 0x08, 0x01, 0xff],
  [16, 0x00, 0x01, 0x00, 0x01, 0x02, 0x12, 0x34],
  [22, 0x00, 0x01, 0xff, 0x00, 0x00, 0x12],
  [23, 0x00, 0x01, 0x00, 0x01, 0x00, 0x02, 0x00, 0x01, 0x02, 0x12, 0x34],
];

test('RTU slave: reads answered, writes refused with exception 1, every function code recorded', async (t) => {
  const [master, line] = duplexPair();
  const slave = await startRtuSlave(source, { stream: line, baud: 115200 });
  t.after(() => slave.close());
  const ask = async (pdu: number[]): Promise<Buffer> => {
    master.write(withCrc(Buffer.from([7, ...pdu])));
    const [reply] = (await once(master, 'data')) as [Buffer];
    return reply;
  };
  const r = await ask([3, 0x00, 0x0a, 0x00, 0x02]);
  assert.ok(crcOk(r));
  assert.deepEqual([...r.subarray(0, r.length - 2)], [7, 3, 4, 0, 10, 0, 11]);
  const c = await ask([1, 0x00, 0x00, 0x00, 0x0a]);
  assert.deepEqual([...c.subarray(0, c.length - 2)], [7, 1, 2, 0b1010_1010, 0b10]);
  for (const w of writes) {
    const e = await ask(w);
    assert.deepEqual([...e.subarray(0, 3)], [7, w[0]! | 0x80, 1], `fn ${w[0]}`);
  }
  assert.deepEqual([...slave.functionCodes.keys()].sort((a, b) => a - b), [1, 3, 5, 6, 15, 16, 22, 23]);
  slave.inject('crc');
  const bad = await ask([4, 0, 0, 0, 1]);
  assert.equal(crcOk(bad), false);
});

test('TCP slave: reads answered, writes refused with exception 1, every function code recorded', async (t) => {
  const slave = await startTcpSlave(source, { host: '127.0.0.1', port: 0 });
  t.after(() => slave.close());
  const sock = connect({ host: '127.0.0.1', port: slave.port });
  t.after(() => void sock.destroy());
  await once(sock, 'connect');
  let tid = 0;
  const ask = async (pdu: number[]): Promise<Buffer> => {
    const h = Buffer.alloc(7);
    h.writeUInt16BE(++tid, 0);
    h.writeUInt16BE(pdu.length + 1, 4);
    h[6] = 3;
    sock.write(Buffer.concat([h, Buffer.from(pdu)]));
    const [reply] = (await once(sock, 'data')) as [Buffer];
    assert.equal(reply.readUInt16BE(0), tid);
    return reply.subarray(6);
  };
  assert.deepEqual([...(await ask([4, 0, 5, 0, 2]))], [3, 4, 4, 0, 5, 0, 6]);
  for (const w of writes) assert.deepEqual([...(await ask(w))], [3, w[0]! | 0x80, 1]);
  assert.deepEqual([...slave.functionCodes.keys()].sort((a, b) => a - b), [4, 5, 6, 15, 16, 22, 23]);
});
