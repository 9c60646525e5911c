/** A gateway stand-in for the last-will test: runs a publisher until killed. argv[2]: config JSON. */
import { MqttPublisher } from '../../src/export/mqtt-publisher.ts';
import { parseConfig } from '../../src/config/load.ts';
import { testRuntime } from './mqtt-peers.ts';

const rt = testRuntime(parseConfig(process.argv[2]!, 'child.yaml'));
const pub = new MqttPublisher(rt, { backoff: { initialMs: 50, maxMs: 200 } });
await pub.start();
let n = 0;
const timer = setInterval(() => {
  rt.store.values('plc-1', Date.now(), [['s0', n++]]);
  if (pub.connected() && n === 1) process.stdout.write('connected\n');
  if (!pub.connected()) n = 0;
}, 20);
process.on('SIGTERM', () => {
  clearInterval(timer);
  void pub.stop();
});
