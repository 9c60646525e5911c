/**
 * mqtt-packet (MQTT.js's encoder) caches the variable-byte-integer Buffer of every length below
 * 16384 it writes, forever. Each is a 1-4 byte slice of Node's 64 KiB Buffer pool, so an entry
 * made late in a long run pins whatever pool slab was current then: with payloads of varying
 * length (JSON readings, decisions) the cache pinned 12.8 MB after one minute of the chaos soak
 * and 25.6 MB three minutes later (heap snapshots; ~16k entries x 64 KiB is the bound).
 *
 * Filling the whole cache once, at start, in one burst puts all 16384 entries into two or three
 * slabs (~150 KB), and nothing is added afterwards. The packets are written to a sink that keeps
 * nothing; the payload is one shared buffer, so this costs a few hundred
 * milliseconds of CPU once, in slices that leave the event loop free.
 */
import { Writable } from 'node:stream';

const CACHED_BELOW = 16384;
let filled: Promise<void> | undefined;

/** Idempotent; resolves once every cacheable length has been encoded. */
export function fillMqttPacketCache(): Promise<void> {
  filled ??= fill();
  return filled;
}

async function fill(): Promise<void> {
  const { writeToStream } = await import('mqtt-packet');
  const sink = new Writable({ write: (_chunk, _enc, cb) => cb() });
  const payload = Buffer.alloc(CACHED_BELOW);
  // QoS 0 PUBLISH, topic "t", MQTT 5 without properties: remaining length = 2 + 1 + 1 (the
  // properties length, 0) + payload. Lengths 1-3 are the only ones left to chance.
  for (let remaining = 4; remaining < CACHED_BELOW; remaining++) {
    const packet = { cmd: 'publish', topic: 't', payload: payload.subarray(0, remaining - 4), qos: 0, dup: false, retain: false, properties: {} } as const;
    writeToStream(packet, sink as never, { protocolVersion: 5 });
    // writeToStream corks the sink until the next tick; yielding also keeps the loop responsive.
    if (remaining % 1024 === 0) await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setImmediate(r));
  sink.destroy();
}
