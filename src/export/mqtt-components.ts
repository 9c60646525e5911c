/**
 * MQTT publishing: one MqttPublisher when config.mqtt is present. The service (or the gate wiring)
 * reaches publishDecision() through createMqttPublisher().
 */
import type { Component } from '../lifecycle.ts';
import type { Runtime } from '../runtime.ts';
import { MqttPublisher } from './mqtt-publisher.ts';

export { MqttPublisher };

export function createMqttPublisher(rt: Runtime): MqttPublisher | undefined {
  return rt.config.mqtt ? new MqttPublisher(rt) : undefined;
}

export function createMqttComponents(rt: Runtime): Component[] {
  const p = createMqttPublisher(rt);
  return p ? [p] : [];
}
