/** What a bus transacts through: one framing (RTU or Modbus/TCP) over one open stream. */
import type { ReadRequest, ReadResult } from './pdu.ts';

export interface ModbusLink {
  /** One read transaction; throws only ModbusError subclasses. Callers serialise calls. */
  read(req: ReadRequest, timeoutMs: number, where: string): Promise<ReadResult>;
  /** False once the stream closed or failed: the connection opens a new one. */
  readonly open: boolean;
  /** Bytes sent and received (for RTU bus utilisation). */
  readonly wireBytes: number;
  /** False when the device behind the link is known to be gone (checked after a timeout). */
  stillThere?(): boolean;
  close(): Promise<void>;
}
