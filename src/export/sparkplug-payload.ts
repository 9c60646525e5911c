/** The Sparkplug B protobuf Payload type (Eclipse Tahu's proto), loaded once on first use. */
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

export const SPARKPLUG_PROTO = fileURLToPath(new URL('../../proto/sparkplug_b/sparkplug_b.proto', import.meta.url));
export const SPARKPLUG_PAYLOAD_TYPE = 'org.eclipse.tahu.protobuf.Payload';

let payloadType: protobuf.Type | undefined;
export function sparkplugPayloadType(): protobuf.Type {
  payloadType ??= protobuf.loadSync(SPARKPLUG_PROTO).lookupType(SPARKPLUG_PAYLOAD_TYPE);
  return payloadType;
}
