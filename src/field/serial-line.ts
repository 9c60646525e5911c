/**
 * A serial port as a Duplex whose reads and writes run on the event loop: serialport's native
 * binding opens the device and sets the termios (baud, framing, exclusive lock, VMIN=1), then
 * bytes are read with non-blocking read() syscalls when the binding's poller (a uv_poll on the
 * fd) reports the line readable, and written with non-blocking write() syscalls at once.
 *
 * Why not serialport's own stream: it reads and writes through libuv's thread pool (fs.read /
 * fs.write), so every reply reaches the RTU engine one thread-pool round trip after the kernel
 * had it, and every request leaves one round trip after t3.5 ended; on a busy machine that is
 * 0.1-2 ms per hop, which at 115200 baud is several percent of the bus. It also spins on
 * 0-byte reads when a pty's other end vanishes; here a hangup (EIO, 0 bytes) ends the stream
 * with an error, so the link reports the disconnect.
 */
import { readSync, writeSync } from 'node:fs';
import { Duplex } from 'node:stream';
import { LoopgateError } from '../errors.ts';
import type { SerialFraming } from './wire-timing.ts';

/** The poller's readable flag (UV_READABLE in @serialport/bindings-cpp's poller). */
const READABLE = 1;
/** Kernel output buffer full: retry after this long (see write()). */
const WRITE_RETRY_MS = 1;

/** What this module needs of the binding's port: the fd and its poller (Linux and macOS bindings). */
interface PolledPort {
  fd: number | null;
  readonly isOpen: boolean;
  poller: { poll(flags: number): void; on(event: 'readable', cb: (err: Error | null) => void): unknown };
  close(): Promise<void>;
}

function isPolled(port: object): port is PolledPort {
  return 'poller' in port && 'fd' in port && typeof port.fd === 'number';
}

let serialport: Promise<typeof import('serialport')> | undefined;

/**
 * serialport (a native binding) is imported only by a daemon with an RTU bus: BusComponent.start()
 * awaits this, so a binding that cannot load still stops start-up instead of failing each open.
 */
export function loadSerialPort(): Promise<typeof import('serialport')> {
  serialport ??= import('serialport');
  return serialport;
}

/** The link turns any stream error into ModbusDisconnectedError; the code says which. */
export class SerialLineError extends LoopgateError {}

export class SerialLine extends Duplex {
  private readonly port: PolledPort;
  private readonly fd: number;
  private readonly scratch = Buffer.allocUnsafe(4096);
  /** The consumer asked for data and has not pushed back. */
  private wanted = false;

  /** Opens `path` with the given framing. */
  static async open(path: string, f: SerialFraming): Promise<SerialLine> {
    const { SerialPort } = await loadSerialPort();
    const port = await SerialPort.binding.open({ path, baudRate: f.baud, dataBits: f.data_bits, parity: f.parity, stopBits: f.stop_bits });
    if (!isPolled(port)) {
      await port.close();
      throw new SerialLineError('SERIAL_UNSUPPORTED', `${path}: this platform's serial binding has no fd poller`);
    }
    return new SerialLine(port);
  }

  private constructor(port: PolledPort) {
    super({ allowHalfOpen: false });
    this.port = port;
    this.fd = port.fd!;
    port.poller.on('readable', (err) => {
      // Cancellation on close arrives as an error too; a closed line has nothing left to read.
      // libuv reports a hangup (EPOLLERR: the pty's other end closed, the adapter unplugged) as a
      // poll error, not as readable.
      if (err) return void (this.port.isOpen && this.destroy(new SerialLineError('SERIAL_GONE', `serial line gone: poll: ${err.message}`, { cause: err })));
      this.drain();
    });
  }

  override _read(): void {
    this.wanted = true;
    this.drain();
  }

  /** Reads what the kernel holds, then re-arms the poller (it fires once per arming). */
  private drain(): void {
    if (!this.wanted || !this.port.isOpen) return;
    for (;;) {
      let n: number;
      try {
        n = readSync(this.fd, this.scratch, 0, this.scratch.length, null);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR') break;
        return void this.destroy(new SerialLineError('SERIAL_GONE', `serial line gone: ${(err as Error).message}`, { cause: err }));
      }
      // VMIN=1 on a non-blocking fd: no data is EAGAIN, so 0 bytes is a hangup.
      if (n === 0) return void this.destroy(new SerialLineError('SERIAL_GONE', 'serial line hung up'));
      if (!this.push(Buffer.from(this.scratch.subarray(0, n)))) {
        this.wanted = false;
        return;
      }
    }
    this.port.poller.poll(READABLE);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.write_(chunk, 0, cb);
  }

  /**
   * Writes now. When the kernel's output buffer is full (EAGAIN) it retries after a millisecond
   * instead of arming the poller for writable: the binding's poller arms one event set at a time
   * and keeps re-arming any set it was ever given, so asking it for writable would wake the loop
   * on every turn. A full buffer needs kilobytes queued; Modbus frames are at most 256 bytes with
   * one transaction in flight, so the retry is for safety, not a path the engine takes.
   */
  private write_(buf: Buffer, from: number, cb: (err?: Error | null) => void): void {
    let off = from;
    try {
      while (off < buf.length) {
        if (!this.port.isOpen) return cb(new SerialLineError('SERIAL_CLOSED', 'serial line closed'));
        off += writeSync(this.fd, buf, off, buf.length - off);
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR') return void setTimeout(() => this.write_(buf, off, cb), WRITE_RETRY_MS);
      return cb(new SerialLineError('SERIAL_GONE', `serial write failed: ${(err as Error).message}`, { cause: err }));
    }
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.port.isOpen) return cb(err);
    this.port.close().then(
      () => cb(err),
      (closeErr: unknown) => cb(err ?? (closeErr as Error)),
    );
  }

  /** Closes the port; resolves once the fd is closed. Safe to call twice. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.once('close', () => resolve());
      if (!this.destroyed) this.destroy();
    });
  }
}
