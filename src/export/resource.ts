/** The Resource every exported metric carries: who is speaking, from which site. */
import { hostname } from 'node:os';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { Config } from '../config/schema.ts';
import { VERSION } from '../version.ts';

export function buildResource(config: Pick<Config, 'site' | 'gateway_id'>, host: string = hostname()): Resource {
  return resourceFromAttributes({
    'service.name': 'loopgate',
    'service.version': VERSION,
    'service.instance.id': config.gateway_id,
    'host.name': host,
    'loopgate.site': config.site,
  });
}
