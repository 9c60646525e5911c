/** Maps what the gate throws to gRPC statuses: bad fields INVALID_ARGUMENT, the rest UNAVAILABLE/INTERNAL. */
import * as grpc from '@grpc/grpc-js';
import { GateNoZonesError, GateRequestError } from '../gate/request.ts';

export function toServiceError(err: unknown): Partial<grpc.ServiceError> {
  if (err instanceof GateRequestError) return { code: grpc.status.INVALID_ARGUMENT, details: err.message };
  if (err instanceof GateNoZonesError) return { code: grpc.status.FAILED_PRECONDITION, details: err.message };
  return { code: grpc.status.UNAVAILABLE, details: `the gate cannot evaluate: ${(err as Error).message ?? String(err)}` };
}
