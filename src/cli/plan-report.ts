/** The resolved plan check-config prints: buses, devices with their reads, zones with their signals. */
import type { Config } from '../config/schema.ts';
import { planDevice, type PlannedRead } from '../field/planner.ts';

export interface PlanReport {
  site: string;
  gateway_id: string;
  buses: { id: string; transport: string; endpoint: string; devices: { id: string; unit: number; poll_ms: number; reads: PlannedRead[] }[] }[];
  zones: { id: string; temperature: readonly string[]; power: readonly string[]; limits: Config['zones'][number]['limits'] }[];
}

export function buildPlanReport(cfg: Config): PlanReport {
  return {
    site: cfg.site,
    gateway_id: cfg.gateway_id,
    buses: cfg.buses.map((bus) => ({
      id: bus.id,
      transport: bus.transport,
      endpoint: bus.transport === 'rtu' ? `${bus.path} ${bus.baud} ${bus.data_bits}${bus.parity[0]!.toUpperCase()}${bus.stop_bits}` : `${bus.host}:${bus.port}`,
      devices: cfg.devices
        .filter((d) => d.bus === bus.id)
        .map((d) => ({ id: d.id, unit: d.unit, poll_ms: d.poll_ms, reads: planDevice(d, bus) })),
    })),
    zones: cfg.zones.map((z) => ({ id: z.id, temperature: z.temperature, power: z.power, limits: z.limits })),
  };
}

export function formatPlanReport(r: PlanReport): string {
  const lines = [`site ${r.site}, gateway ${r.gateway_id}`, ''];
  for (const bus of r.buses) {
    lines.push(`bus ${bus.id} (${bus.transport} ${bus.endpoint})`);
    for (const dev of bus.devices) {
      const txns = dev.reads.length;
      lines.push(`  device ${dev.id} unit ${dev.unit} every ${dev.poll_ms} ms: ${txns} read${txns === 1 ? '' : 's'} per poll`);
      for (const rd of dev.reads) {
        const end = rd.start + rd.count - 1;
        lines.push(`    ${rd.table.padEnd(8)} ${String(rd.start).padStart(5)}-${String(end).padEnd(5)} (${rd.count}) ${rd.signals.join(', ')}`);
      }
    }
  }
  if (r.zones.length > 0) lines.push('');
  for (const z of r.zones) {
    const l = z.limits;
    lines.push(`zone ${z.id}: temperature [${z.temperature.join(', ')}] max ${l.temperature_max} Cel (margin ${l.temperature_margin}); power [${z.power.join(', ')}] budget ${l.power_budget} W`);
  }
  return lines.join('\n');
}
