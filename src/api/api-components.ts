/** The gRPC Gate API and the HTTP adapters. Placeholder until the gate issue lands. */
import type { Component } from '../lifecycle.ts';
import type { Runtime } from '../runtime.ts';

export function createApiComponents(_rt: Runtime): Component[] {
  return [];
}
