/** policy_version: a short hash of the limits and thermal models in force (and the reservation TTL). */
import { createHash } from 'node:crypto';
import type { Config } from '../config/schema.ts';

export function policyVersion(config: Pick<Config, 'zones' | 'gate'>): string {
  const zones = [...config.zones].sort((a, b) => a.id.localeCompare(b.id)).map((z) => ({ id: z.id, temperature: z.temperature, power: z.power, limits: sortKeys(z.limits), thermal: z.thermal ? sortKeys(z.thermal) : null }));
  const text = JSON.stringify({ zones, reservation_ttl_s: config.gate.reservation_ttl_s });
  return `sha256:${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
}

function sortKeys(o: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b)));
}
