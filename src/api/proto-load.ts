/**
 * Loads proto/loopgate/v1/gate.proto (and grpc.health.v1 for reflection) with the same options the
 * type generator uses (scripts/proto-gen.ts), so the generated types describe these objects.
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import type { ProtoGrpcType } from '../gate/generated/gate.ts';

export const protoDir = fileURLToPath(new URL('../../proto/', import.meta.url));
export const gateProtoFile = 'loopgate/v1/gate.proto';

export const loaderOptions: protoLoader.Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [protoDir] };

/** The Gate package definition (what the server registers). */
export function loadGateDefinition(): protoLoader.PackageDefinition {
  return protoLoader.loadSync(gateProtoFile, loaderOptions);
}

/** Gate and Health together: what reflection describes. */
export function loadReflectionDefinition(): protoLoader.PackageDefinition {
  return protoLoader.loadSync([gateProtoFile, healthProtoPath], loaderOptions);
}

export function loadGateGrpc(def: protoLoader.PackageDefinition = loadGateDefinition()): ProtoGrpcType {
  return grpc.loadPackageDefinition(def) as unknown as ProtoGrpcType;
}
