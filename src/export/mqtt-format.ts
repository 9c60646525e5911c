/** What a wire format (plain JSON topics or Sparkplug B) must provide to the publisher. */
import type { SignalSample, StoreSnapshot, ZoneState } from '../signals/sample.ts';
import type { OutboundMessage } from './mqtt-record.ts';
import type { LinkWill } from './mqtt-link.ts';
import type { SparkplugCommand } from './sparkplug-command.ts';

/** Commands the format listens for (Sparkplug: NCMD/DCMD), subscribed before the births. */
export interface FormatCommands {
  topics: string[];
  parse(topic: string, payload: Buffer): SparkplugCommand;
}

export interface MqttFormat {
  /** The last will of the next connection attempt. */
  will(): LinkWill;
  /** Published first on every new connection, before the spooled backlog (not spooled). */
  births(snapshot: StoreSnapshot, now: number): OutboundMessage[];
  /** `historical`: made while the broker was away (Sparkplug marks such metrics is_historical). */
  signal(sample: SignalSample, historical: boolean): OutboundMessage;
  zone(zone: ZoneState, now: number): OutboundMessage;
  decision(decision: object, now: number): OutboundMessage;
  /** Absent: the format takes no commands and nothing is subscribed. */
  commands?: FormatCommands;
  /** Published on a clean stop before DISCONNECT (which suppresses the will). */
  goodbye(now: number): OutboundMessage;
}

export function defaultTopicPrefix(site: string, gatewayId: string): string {
  return `loopgate/${site}/${gatewayId}`;
}
