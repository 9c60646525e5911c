/** Helpers for the simulator tests: Debian binaries that must exist in CI, register decoding. */
import { accessSync, constants } from 'node:fs';
import type { TestContext } from 'node:test';
import modbusSerial from 'modbus-serial';
import { freePort } from '../helpers/net.ts';

export { freePort };

/** Skips with a visible reason locally when `path` is missing; fails under CI=true. */
export function requireBinary(t: TestContext, path: string, check?: () => boolean): boolean {
  let ok = true;
  try {
    accessSync(path, constants.X_OK);
    ok = check ? check() : true;
  } catch {
    ok = false;
  }
  if (ok) return true;
  const reason = `${path} is missing or unusable (Debian package needed)`;
  if (process.env['CI'] === 'true') throw new Error(`${reason}; CI must have it`);
  t.skip(reason);
  return false;
}

/** float32 from two registers, low word first (CDAB). */
export function float32Cdab(regs: readonly number[]): number {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(regs[1]!, 0);
  b.writeUInt16BE(regs[0]!, 2);
  return b.readFloatBE(0);
}

export function int16(reg: number): number {
  return reg >= 0x8000 ? reg - 0x10000 : reg;
}

/**
 * modbus-serial's client class. The package is CommonJS (module.exports = ModbusRTU) but its
 * types declare an ES default export, so under nodenext the default import is typed as the
 * namespace; this names the runtime value with the class's type.
 */
export const ModbusClient = modbusSerial as unknown as typeof modbusSerial.default;


/** The demo config with its Modbus ports moved to free ports and the gateway's listeners on port 0. */
export async function demoConfigText(text: string): Promise<{ text: string; plcPort: number; pduPort: number }> {
  const plcPort = await freePort();
  const pduPort = await freePort();
  return {
    plcPort,
    pduPort,
    text: text
      .replace('port: 15020', `port: ${plcPort}`)
      .replace('port: 15021', `port: ${pduPort}`)
      .replace('listen: 127.0.0.1:50051', 'listen: 127.0.0.1:0')
      .replace('listen: 127.0.0.1:9090', 'listen: 127.0.0.1:0'),
  };
}
