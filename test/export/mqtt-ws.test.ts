/**
 * MQTT over WebSockets against a real mosquitto: ws:// and wss:// (the broker's websockets
 * listener with the test PKI's server certificate, verified with mqtt.tls.ca).
 *
 * Debian's mosquitto 2.0.11 has websockets built in (libwebsockets 4.1, statically linked), so
 * this is expected wherever mosquitto is: a broker that refuses `protocol websockets` fails the
 * test under CI=true and skips it locally with the reason. Two quirks of that build: a
 * websockets listener alone does not start ("Unable to start any listening sockets"), so there is
 * always a plain listener too; and the websockets listener binds every interface whatever
 * address the `listener` line names (for the few seconds of the test).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { MqttPublisher } from '../../src/export/mqtt-publisher.ts';
import { certDate, requireOpenssl, TestPki } from '../helpers/test-pki.ts';
import { freePort, startMosquittoWith, subscriber, tempDir, testConfig, testRuntime, until, type Received } from './mqtt-peers.ts';

const PREFIX = 'loopgate/plant-7/edge-t';
const values = (msgs: Received[]): unknown[] => msgs.filter((m) => m.topic === `${PREFIX}/signals/s0`).map((m) => (JSON.parse(m.payload.toString()) as { value: unknown }).value);

/** mosquitto with a plain listener, a ws:// and a wss:// listener; undefined when skipped. */
async function wsBroker(t: TestContext): Promise<{ plain: number; ws: number; wss: number; pki: TestPki } | undefined> {
  if (!requireOpenssl(t)) return undefined;
  const pki = new TestPki(tempDir(t, 'loopgate-mqtt-pki-'));
  pki.ca('ca');
  pki.issue('server', 'localhost', 'ca', 'server', certDate(-1), certDate(1));
  const [plain, ws, wss] = [await freePort(), await freePort(), await freePort()];
  const conf = `log_type error
allow_anonymous true
listener ${plain} 127.0.0.1
listener ${ws} 127.0.0.1
protocol websockets
listener ${wss} 127.0.0.1
protocol websockets
certfile ${pki.f('server.crt')}
keyfile ${pki.f('server.key')}
`;
  try {
    if (!(await startMosquittoWith(t, conf, [plain, ws, wss]))) return undefined;
  } catch (err) {
    const why = `mosquitto has no working websockets listener here: ${(err as Error).message}`;
    if (process.env['CI'] === 'true') throw new Error(why, { cause: err });
    t.skip(why);
    return undefined;
  }
  return { plain, ws, wss, pki };
}

for (const scheme of ['ws', 'wss'] as const) {
  test(`${scheme}:// to mosquitto's websockets listener: readings arrive`, async (t) => {
    const b = await wsBroker(t);
    if (!b) return;
    const sub = await subscriber(t, b.plain, ['loopgate/#']);
    const url = scheme === 'ws' ? `ws://127.0.0.1:${b.ws}` : `wss://127.0.0.1:${b.wss}`;
    const cfg = testConfig({ url, spool_dir: tempDir(t), ...(scheme === 'wss' ? { tls: { ca: b.pki.f('ca.crt') } } : {}) }, { signals: 1 });
    const rt = testRuntime(cfg);
    const pub = new MqttPublisher(rt, { backoff: { initialMs: 20, maxMs: 50 } });
    t.after(() => pub.stop());
    await pub.start();
    await until(() => pub.connected(), `a ${scheme} connection`);
    for (const v of [1, 2, 3]) rt.store.values('plc-1', Date.now(), [['s0', v]]);
    await sub.waitFor((m) => values(m).length === 3, `three readings over ${scheme}`);
    assert.deepEqual(values(sub.messages), [1, 2, 3]);
    await until(() => pub.depth() === 0, 'every PUBACK back over the websocket');
  });
}
