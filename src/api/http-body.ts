/**
 * Request bodies of the HTTP adapters: bounded (MAX_BODY_BYTES -> 413, counted as it streams, so
 * a huge body is cut off rather than buffered), JSON objects only (-> 400 naming the problem).
 */
import type { IncomingMessage } from 'node:http';
import { LoopgateError } from '../errors.ts';

export const MAX_BODY_BYTES = 64 * 1024;

/** An HTTP answer other than a verdict: 400, 404, 405, 413, 503. */
export class HttpAdapterError extends LoopgateError {
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(code, message);
    this.status = status;
    this.headers = headers;
  }
}

export async function readJsonBody(req: IncomingMessage, max = MAX_BODY_BYTES): Promise<Record<string, unknown> | undefined> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) throw tooLarge(max);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw tooLarge(max);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new HttpAdapterError(400, 'LG_HTTP_BAD_JSON', `body is not valid JSON: ${(err as Error).message}`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new HttpAdapterError(400, 'LG_HTTP_BAD_JSON', `body must be a JSON object, found ${data === null ? 'null' : Array.isArray(data) ? 'an array' : typeof data}`);
  return data as Record<string, unknown>;
}

function tooLarge(max: number): HttpAdapterError {
  return new HttpAdapterError(413, 'LG_HTTP_BODY_TOO_LARGE', `body larger than ${max} bytes`);
}
