/** MQTT publishing. Placeholder until the MQTT issue lands. */
import type { Component } from '../lifecycle.ts';
import type { Runtime } from '../runtime.ts';

export function createMqttComponents(_rt: Runtime): Component[] {
  return [];
}
