/**
 * grpc-js answers a request body that is not valid protobuf with INTERNAL ("Error deserializing
 * request"), which reads as a server bug. The Gate's deserializers are wrapped so a malformed body
 * reaches the handler as a marker instead, and the handler (after authorizing the caller) answers
 * INVALID_ARGUMENT saying what was wrong with the bytes.
 */
import * as grpc from '@grpc/grpc-js';

const MALFORMED = Symbol('loopgate.malformed');

interface Malformed {
  [MALFORMED]: string;
}

/** A copy of `service` whose request deserializers never throw. */
export function tolerantService<S extends grpc.ServiceDefinition>(service: S, messageOf: (method: string) => string): S {
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [method, def] of Object.entries(service)) {
    const decode = def.requestDeserialize;
    out[method] = {
      ...def,
      requestDeserialize: (buf: Buffer) => {
        try {
          return decode(buf);
        } catch (err) {
          const why = String((err as Error)?.message ?? err).slice(0, 120);
          return { [MALFORMED]: `request: not a valid ${messageOf(method)} protobuf message (${why})` } satisfies Malformed;
        }
      },
    };
  }
  return out as S;
}

/** INVALID_ARGUMENT for a request the tolerant deserializer could not decode; undefined otherwise. */
export function malformedError(request: unknown): Partial<grpc.ServiceError> | undefined {
  if (request === null || typeof request !== 'object' || !(MALFORMED in request)) return undefined;
  return { code: grpc.status.INVALID_ARGUMENT, details: (request as Malformed)[MALFORMED] };
}
