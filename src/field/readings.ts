/**
 * What the field layer hands on: decoded values per device poll, or the failure that kept them
 * from arriving. The signals layer implements ReadingSink; field knows nothing beyond this.
 */

/** A decoded register or bit value. 64-bit integers arrive as numbers (exact up to 2^53). */
export type RawValue = number | boolean;

export const fieldFailureKinds = ['timeout', 'crc', 'exception', 'busy', 'wrong_unit', 'wrong_function', 'byte_count', 'disconnected', 'other'] as const;
export type FieldFailureKind = (typeof fieldFailureKinds)[number];

export interface FieldFailure {
  kind: FieldFailureKind;
  message: string;
  /** Modbus exception code (1-11) when kind is 'exception' or 'busy'. */
  exceptionCode?: number;
}

export interface ReadingSink {
  /** One poll of a device decoded these values (ts: ms since epoch, when the reply arrived). */
  values(deviceId: string, ts: number, values: ReadonlyArray<readonly [signalId: string, value: RawValue]>): void;
  /** A read failed: these signals got nothing this poll. */
  failure(deviceId: string, ts: number, signalIds: readonly string[], failure: FieldFailure): void;
}
