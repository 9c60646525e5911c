/** The Resource every metric carries: who is reporting (service, instance, host, site). */
import { hostname } from 'node:os';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { Config } from '../config/schema.ts';
import { VERSION } from '../version.ts';

export function telemetryResource(config: Pick<Config, 'site' | 'gateway_id'>): Resource {
  return resourceFromAttributes({
    'service.name': 'loopgate',
    'service.version': VERSION,
    'service.instance.id': config.gateway_id,
    'host.name': hostname(),
    'loopgate.site': config.site,
  });
}
