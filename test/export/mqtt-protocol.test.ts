/**
 * mqtt.protocol_version against a real mosquitto, whose log names the protocol level each client
 * connected with ("p2" = 3.1.1, "p5" = 5). mosquitto cannot be limited to 3.1.1 (no option; a
 * `protocol mqtt` listener accepts 3.1, 3.1.1 and 5), so the automatic v5 -> 3.1.1 fallback is
 * proven against aedes, which speaks 3.1.1 only (mqtt-failure.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MqttPublisher } from '../../src/export/mqtt-publisher.ts';
import { freePort, startMosquittoWith, subscriber, tempDir, testConfig, testRuntime, until } from './mqtt-peers.ts';

for (const [version, level] of [[4, 'p2'], [5, 'p5']] as const) {
  test(`protocol_version: ${version} connects to mosquitto as ${level} and delivers`, async (t) => {
    const port = await freePort();
    const m = await startMosquittoWith(t, `log_type error\nlog_type notice\nallow_anonymous true\nlistener ${port} 127.0.0.1\n`, [port]);
    if (!m) return;
    const sub = await subscriber(t, port, ['loopgate/#']);
    const cfg = testConfig({ url: `mqtt://127.0.0.1:${port}`, spool_dir: tempDir(t), protocol_version: version }, { signals: 1 });
    const rt = testRuntime(cfg);
    const pub = new MqttPublisher(rt);
    t.after(() => pub.stop());
    await pub.start();
    await m.waitForLog(/as loopgate-edge-t \(p\d/, 'the gateway connecting');
    assert.match(m.log(), new RegExp(`as loopgate-edge-t \\(${level}, c1, k30\\)`));
    rt.store.values('plc-1', Date.now(), [['s0', 9]]);
    await sub.waitFor((msgs) => msgs.some((x) => x.topic.endsWith('/signals/s0')), 'the reading');
    await until(() => pub.depth() === 0, 'acknowledged');
  });
}
