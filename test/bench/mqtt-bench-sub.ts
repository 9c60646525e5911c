/** Counting subscriber for the MQTT benchmark, in its own process. argv: port topic. Prints the count on SIGTERM. */
import { connect } from 'mqtt';

const client = connect(`mqtt://127.0.0.1:${process.argv[2]}`, { reconnectPeriod: 100, clean: true, protocolVersion: 4 });
let count = 0;
let bytes = 0;
client.on('message', (_t, p) => {
  count++;
  bytes += p.length;
});
client.on('connect', () => {
  void client.subscribeAsync(process.argv[3]!, { qos: 1 }).then(() => process.stdout.write('subscribed\n'));
});
client.on('error', () => {});
setInterval(() => process.stdout.write(`${JSON.stringify({ count, bytes })}\n`), 500).unref();
process.on('SIGTERM', () => {
  process.stdout.write(`${JSON.stringify({ count, bytes })}\n`);
  client.end(true, () => process.exit(0));
});
