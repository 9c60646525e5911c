/**
 * Typed failures of one Modbus transaction. Transports throw only these; the poller classifies a
 * failure by `kind` (the `loopgate.result` attribute) and never lets one escape the poll loop.
 */
import { LoopgateError } from '../errors.ts';
import type { FieldFailure, FieldFailureKind } from './readings.ts';

export class ModbusError extends LoopgateError {
  readonly kind: FieldFailureKind;

  constructor(kind: FieldFailureKind, code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.kind = kind;
  }

  toFailure(): FieldFailure {
    return { kind: this.kind, message: this.message };
  }
}

export class ModbusTimeoutError extends ModbusError {
  constructor(message: string) {
    super('timeout', 'LG_MODBUS_TIMEOUT', message);
  }
}

export class ModbusCrcError extends ModbusError {
  constructor(message: string) {
    super('crc', 'LG_MODBUS_CRC', message);
  }
}

export class ModbusWrongUnitError extends ModbusError {
  constructor(message: string) {
    super('wrong_unit', 'LG_MODBUS_WRONG_UNIT', message);
  }
}

export class ModbusWrongFunctionError extends ModbusError {
  constructor(message: string) {
    super('wrong_function', 'LG_MODBUS_WRONG_FUNCTION', message);
  }
}

export class ModbusByteCountError extends ModbusError {
  constructor(message: string) {
    super('byte_count', 'LG_MODBUS_BYTE_COUNT', message);
  }
}

export class ModbusDisconnectedError extends ModbusError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('disconnected', 'LG_MODBUS_DISCONNECTED', message, options);
  }
}

/** Exception names from the Modbus Application Protocol v1.1b3, section 7. */
export const exceptionNames: Readonly<Record<number, string>> = {
  1: 'illegal function',
  2: 'illegal data address',
  3: 'illegal data value',
  4: 'server device failure',
  5: 'acknowledge',
  6: 'server device busy',
  7: 'negative acknowledge',
  8: 'memory parity error',
  10: 'gateway path unavailable',
  11: 'gateway target device failed to respond',
};

export class ModbusExceptionError extends ModbusError {
  readonly exceptionCode: number;

  constructor(exceptionCode: number, message: string) {
    super(exceptionCode === 6 ? 'busy' : 'exception', 'LG_MODBUS_EXCEPTION', `${message}: exception ${exceptionCode} (${exceptionNames[exceptionCode] ?? 'unknown'})`);
    this.exceptionCode = exceptionCode;
  }

  override toFailure(): FieldFailure {
    return { kind: this.kind, message: this.message, exceptionCode: this.exceptionCode };
  }
}

/** Any thrown value -> a FieldFailure (unexpected errors become kind 'other'). */
export function toFieldFailure(err: unknown): FieldFailure {
  if (err instanceof ModbusError) return err.toFailure();
  return { kind: 'other', message: err instanceof Error ? err.message : String(err) };
}
