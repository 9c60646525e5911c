/** Human-readable text for gate decisions and zone status (the `loopgate gate` command, the canary demo). */
import type { Decision, ZoneStatus } from '../gate/proto-types.ts';

export function verdictWord(v: string): string {
  return v.replace(/^VERDICT_/, '');
}

const n = (x: number | null | undefined, digits = 1): string => (x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits));
const kw = (w: number | null | undefined): string => (w === null || w === undefined ? '-' : `${(w / 1000).toFixed(1)} kW`);

export function formatDecision(d: Decision): string {
  const head = `${verdictWord(d.verdict)}  ${d.rollout?.namespace}/${d.rollout?.name}  ${d.zones.join(',')}  ${n(d.current_weight, 0)} -> ${n(d.proposed_weight, 0)} %`;
  const tail = d.verdict === 'VERDICT_HOLD' ? `  (max safe weight ${n(d.max_safe_weight, 2)} %, retry after ${n(d.retry_after_seconds, 0)} s)` : d.verdict === 'VERDICT_DENY' ? '  (roll back)' : '';
  const lines = [head + tail];
  for (const r of d.reasons) lines.push(`  ${verdictWord(r.verdict).padEnd(5)} ${r.rule.padEnd(17)} ${r.zone}${r.signal ? `/${r.signal}` : ''}: ${r.message}`);
  for (const p of d.predictions) {
    const ttl = p.seconds_to_limit === undefined || p.seconds_to_limit === null ? '' : `, limit in ${n(p.seconds_to_limit, 0)} s`;
    lines.push(`  ${p.zone}: ${n(p.current_temperature, 2)} Cel, ${kw(p.current_power)} now -> ${n(p.steady_state_temperature, 2)} Cel, ${kw(p.steady_state_power)} at ${n(d.proposed_weight, 0)} %${ttl}; zone ceiling ${n(p.max_safe_weight, 2)} % (${p.model?.source ?? '?'} model)`);
  }
  lines.push(`  decision ${d.decision_id}, policy ${d.policy_version}, oldest input ${n(d.oldest_input_age_seconds, 1)} s`);
  return lines.join('\n');
}

export function formatZone(z: ZoneStatus): string {
  const l = z.limits;
  const rise = z.rise_per_min === undefined || z.rise_per_min === null ? '' : `, rising ${n(z.rise_per_min, 2)} Cel/min`;
  const room = l ? n(l.temperature_max - l.temperature_margin - (z.temperature ?? Number.NaN), 2) : '-';
  return `${z.zone.padEnd(10)} ${verdictWord(z.verdict).padEnd(5)} ${z.quality.padEnd(9)} ${n(z.temperature, 2)} Cel (limit ${n(l?.temperature_max, 1)}, ${room} K to limit - margin)  ${kw(z.power)} of ${kw(l?.power_budget)} (headroom ${kw(z.power_headroom)}, reserved ${kw(z.reserved_power)})${rise}${z.tripped ? ', TRIPPED' : ''}${z.reason ? `  ${z.reason}` : ''}`;
}
