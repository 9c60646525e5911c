/** The canary demo's output: a readable timeline of the controller's moves and terminal charts. */
import type { CanaryEvent } from '../sim/canary-controller.ts';
import type { CanaryScenarioResult, ChartSample } from '../sim/canary-scenario.ts';

const WORDS: Record<CanaryEvent['kind'], string> = { allow: 'ALLOW', hold: 'HOLD', deny: 'DENY', set: 'set', backoff: 'back off', rollback: 'ROLLBACK', held: 'stays', completed: 'DONE', error: 'ERROR' };

export function timelineLine(e: CanaryEvent, startedAt: number): string {
  const t = `+${((e.t - startedAt) / 1000).toFixed(0).padStart(5)} s`;
  const move = e.kind === 'set' || e.kind === 'backoff' || e.kind === 'rollback' ? `weight ${e.from} -> ${e.to} %` : e.kind === 'held' ? `at ${e.to} %` : e.kind === 'completed' ? `at ${e.to} %` : `${e.from} -> ${e.to} %`;
  const extra = e.kind === 'hold' ? ` (max safe ${e.maxSafeWeight} %, retry ${e.retryAfterS} s)` : e.kind === 'held' ? ` (gate's max safe weight ${e.maxSafeWeight} %)` : '';
  const why = e.reason && e.kind !== 'allow' && e.kind !== 'set' ? `  ${e.reason}` : '';
  return `${t}  ${e.canary.padEnd(14)} ${WORDS[e.kind].padEnd(8)} ${move}${extra}${why}`;
}

/** One value per column: the sample nearest each column's time. */
function columns(samples: readonly ChartSample[], width: number, pick: (s: ChartSample) => number): number[] {
  if (samples.length === 0) return [];
  const t0 = samples[0]!.t;
  const t1 = samples[samples.length - 1]!.t;
  const out: number[] = [];
  let j = 0;
  for (let c = 0; c < width; c++) {
    const t = t0 + ((t1 - t0) * c) / Math.max(1, width - 1);
    while (j + 1 < samples.length && Math.abs(samples[j + 1]!.t - t) <= Math.abs(samples[j]!.t - t)) j++;
    out.push(pick(samples[j]!));
  }
  return out;
}

function plot(values: readonly number[], lo: number, hi: number, height: number, label: (v: number) => string, lines: { at: number; ch: string; name: string }[]): string[] {
  const rowOf = (v: number): number => Math.round(((hi - v) / (hi - lo)) * (height - 1));
  const rows: string[][] = Array.from({ length: height }, () => values.map(() => ' '));
  for (const l of lines) {
    const r = rowOf(l.at);
    if (r >= 0 && r < height) rows[r] = rows[r]!.map(() => l.ch);
  }
  values.forEach((v, c) => {
    const r = Math.min(height - 1, Math.max(0, rowOf(v)));
    rows[r]![c] = '*';
  });
  return rows.map((cells, r) => {
    const v = hi - ((hi - lo) * r) / (height - 1);
    const named = lines.find((l) => rowOf(l.at) === r);
    return `${label(v).padStart(8)} |${cells.join('')}|${named ? ` ${named.name}` : ''}`;
  });
}

export function charts(r: CanaryScenarioResult, width = 64): string {
  const temps = columns(r.samples, width, (s) => s.temperature);
  const weights = columns(r.samples, width, (s) => s.weight);
  const lo = Math.floor(Math.min(...temps, r.tripPoint) - 1);
  const hi = Math.ceil(r.limit + 1);
  const spanS = r.samples.length ? (r.samples[r.samples.length - 1]!.t - r.samples[0]!.t) / 1000 : 0;
  const axis = `${' '.repeat(9)}+${'-'.repeat(width)}+`;
  const time = `${' '.repeat(10)}0 s${`${spanS.toFixed(0)} s (simulated)`.padStart(width - 3)}`;
  return [
    `${r.zone} inlet temperature (Cel): * plant, = limit ${r.limit}, - limit - margin ${r.tripPoint}`,
    ...plot(temps, lo, hi, 12, (v) => v.toFixed(1), [{ at: r.limit, ch: '=', name: `limit ${r.limit}` }, { at: r.tripPoint, ch: '-', name: `trip ${r.tripPoint}` }]),
    axis,
    time,
    '',
    `${r.zone} canary weight (% of traffic, all canaries)`,
    ...plot(weights, 0, 100, 8, (v) => v.toFixed(0), []),
    axis,
    time,
  ].join('\n');
}

export function summary(r: CanaryScenarioResult): string {
  const lines = r.results.map((c) => `  ${c.canary}: ${c.outcome === 'completed' ? 'completed at 100 %' : c.outcome === 'held' ? `held at ${c.weight} % (gate's max safe weight ${c.maxSafeWeight} %)` : c.outcome === 'rolled_back' ? 'rolled back to 0 %' : `stopped by an error at ${c.weight} %`}, ${c.decisions} gate decisions`);
  return [
    ...lines,
    `  hottest inlet ${r.maxTemperature.toFixed(2)} Cel (limit ${r.limit}); the load left settles at ${r.finalSteadyState.toFixed(2)} Cel (limit - margin ${r.tripPoint})`,
  ].join('\n');
}
