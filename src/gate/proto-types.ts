/**
 * The gate's vocabulary, straight from the generated proto types (never written twice). Output
 * types (`__Output`) are what the gate produces: every field present, enums as strings.
 */
export type { Decision__Output as Decision } from './generated/loopgate/v1/Decision.ts';
export type { EvaluateRequest__Output as EvaluateRequest } from './generated/loopgate/v1/EvaluateRequest.ts';
export type { Reason__Output as Reason } from './generated/loopgate/v1/Reason.ts';
export type { ThermalModel__Output as ThermalModel } from './generated/loopgate/v1/ThermalModel.ts';
export type { ZonePrediction__Output as ZonePrediction } from './generated/loopgate/v1/ZonePrediction.ts';
export type { ZoneStatus__Output as ZoneStatus } from './generated/loopgate/v1/ZoneStatus.ts';
export type { ReleaseRequest__Output as ReleaseRequest } from './generated/loopgate/v1/ReleaseRequest.ts';
export type { ReleaseResponse__Output as ReleaseResponse } from './generated/loopgate/v1/ReleaseResponse.ts';
export type { Rollout__Output as Rollout } from './generated/loopgate/v1/Rollout.ts';
export type { Timestamp__Output as Timestamp } from './generated/google/protobuf/Timestamp.ts';
export type { Verdict__Output as Verdict } from './generated/loopgate/v1/Verdict.ts';
