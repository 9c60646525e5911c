/** The Modbus polling engine's components (one per bus). Placeholder until the field issue lands. */
import type { Component } from '../lifecycle.ts';
import type { Runtime } from '../runtime.ts';

export function createFieldComponents(_rt: Runtime): Component[] {
  return [];
}
