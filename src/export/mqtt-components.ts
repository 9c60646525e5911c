/**
 * MQTT publishing: one MqttPublisher when config.mqtt is present. The service (or the gate wiring)
 * reaches publishDecision() through createMqttPublisher().
 */
import type { Runtime } from '../runtime.ts';
import { MqttPublisher } from './mqtt-publisher.ts';

export { MqttPublisher };

export function createMqttPublisher(rt: Runtime): MqttPublisher | undefined {
  return rt.config.mqtt ? new MqttPublisher(rt) : undefined;
}
