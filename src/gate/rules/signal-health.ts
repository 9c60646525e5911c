/**
 * Fail closed: every signal the zone needs must be present, and fresh and not bad, before the
 * weight may go up. A step down or no change only lowers the load, so it is never held for data.
 */
import { pass, reason, type RuleOutcome, type WeightStep, type ZoneView } from '../zone-view.ts';

export function signalHealthRule(view: ZoneView, step: WeightStep): RuleOutcome {
  if (step.proposed <= step.current) return pass;
  const z = view.zone;
  const reasons = [];
  let retry = 0;
  for (const id of [...z.temperature, ...z.power]) {
    const s = view.signals.get(id);
    const ageS = s?.lastValueTs == null ? -1 : (view.now - s.lastValueTs) / 1000;
    if (!s) {
      reasons.push(reason(z.id, 'signal_health', 'VERDICT_HOLD', { signal: id, observed: -1, limit: 0, unit: 's', message: `signal ${id}: missing from the store` }));
    } else if (s.quality === 'bad') {
      const why = s.lastValueTs === null ? `no value yet (${s.reason})` : s.reason;
      reasons.push(reason(z.id, 'signal_health', 'VERDICT_HOLD', { signal: id, observed: ageS, limit: staleLimitS(view), unit: 's', message: `signal ${id}: ${why}` }));
    } else continue;
    retry = Math.max(retry, Math.max(1, staleLimitS(view)));
  }
  if (reasons.length === 0) return pass;
  return { reasons, ceiling: step.current, retryAfterS: retry };
}

function staleLimitS(view: ZoneView): number {
  return (view.zone.limits.stale_after_ms ?? 5000) / 1000;
}
