/**
 * Commands a Sparkplug host sends to this edge node. Only `Node Control/Rebirth` = true on NCMD is
 * acted on (the host lost track of us: send NBIRTH and every DBIRTH again). Everything else (NCMD
 * writes, every DCMD) is ignored on purpose: the gateway only reads the plant and never writes to
 * a PLC, whatever the host asks.
 */
import { sparkplugPayloadType } from './sparkplug-payload.ts';

export const REBIRTH_METRIC = 'Node Control/Rebirth';

export type SparkplugCommand = { kind: 'rebirth' } | { kind: 'ignored'; reason: string };

/** The topics an edge node subscribes to (Sparkplug 3.0: before it publishes NBIRTH). */
export function commandTopics(group: string, node: string): string[] {
  return [`spBv1.0/${group}/NCMD/${node}`, `spBv1.0/${group}/DCMD/${node}/+`];
}

interface CommandMetric {
  name?: string;
  booleanValue?: boolean;
}

export function parseCommand(group: string, node: string, topic: string, payload: Buffer): SparkplugCommand {
  if (topic.startsWith(`spBv1.0/${group}/DCMD/${node}/`)) return { kind: 'ignored', reason: 'DCMD (device writes are never done)' };
  if (topic !== `spBv1.0/${group}/NCMD/${node}`) return { kind: 'ignored', reason: 'not a command topic of this node' };
  let metrics: CommandMetric[];
  try {
    const t = sparkplugPayloadType();
    metrics = (t.toObject(t.decode(payload), { defaults: false }) as { metrics?: CommandMetric[] }).metrics ?? [];
  } catch (err) {
    return { kind: 'ignored', reason: `NCMD payload is not a Sparkplug B payload (${(err as Error).message})` };
  }
  if (metrics.some((m) => m.name === REBIRTH_METRIC && m.booleanValue === true)) return { kind: 'rebirth' };
  const names = metrics.map((m) => m.name ?? '(alias)').join(', ');
  return { kind: 'ignored', reason: `NCMD without ${REBIRTH_METRIC} = true (metrics: ${names || 'none'}); writes are never done` };
}
