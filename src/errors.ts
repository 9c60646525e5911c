/**
 * Every error loopgate raises on purpose is a LoopgateError with a stable `code` that callers branch
 * on, and a message that names what an operator needs (bus, device, signal, zone or file).
 */
export class LoopgateError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Exit codes of the daemon and CLI (sysexits.h where one fits). */
export const ExitCode = {
  ok: 0,
  fatal: 1,
  usage: 64,
  config: 78,
} as const;
