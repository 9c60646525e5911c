/**
 * The seam between the simulated plant and the Modbus slaves that expose it: a slave (TCP or RTU)
 * asks the source to answer each read. The plant implements it; protocol code never knows physics.
 */

/** Read function codes a slave answers: 1 coils, 2 discrete inputs, 3 holding, 4 input registers. */
export type ReadFunction = 1 | 2 | 3 | 4;

export type SlaveReply =
  /** Registers (0..65535) for 3/4, bits (0 or 1) for 1/2; exactly `count` of them. */
  | { kind: 'values'; values: readonly number[] }
  /** A Modbus exception response (1 illegal function, 2 illegal address, 6 busy, 11 no response...). */
  | { kind: 'exception'; code: number }
  /** No reply at all: the device is offline. */
  | { kind: 'silent' };

export interface RegisterSource {
  /** Answers one read; a promise simulates a slow device. */
  read(unit: number, fn: ReadFunction, address: number, count: number): SlaveReply | Promise<SlaveReply>;
}
