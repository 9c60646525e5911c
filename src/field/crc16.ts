/** CRC-16/MODBUS (poly 0xA001 reflected, init 0xFFFF), table-driven. */
const table = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1;
  table[i] = c;
}

export function crc16(buf: Uint8Array, start = 0, end = buf.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ table[(crc ^ buf[i]!) & 0xff]!;
  return crc;
}

/** True when the last two bytes of buf[0..len) are the CRC (low byte first) of the bytes before. */
export function crcOk(buf: Uint8Array, len = buf.length): boolean {
  if (len < 4) return false;
  const c = crc16(buf, 0, len - 2);
  return buf[len - 2] === (c & 0xff) && buf[len - 1] === c >>> 8;
}

/** Appends the CRC (low byte first). */
export function withCrc(body: Uint8Array): Buffer {
  const out = Buffer.alloc(body.length + 2);
  out.set(body, 0);
  const c = crc16(body);
  out[body.length] = c & 0xff;
  out[body.length + 1] = c >>> 8;
  return out;
}
