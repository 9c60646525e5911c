/**
 * The plant's local control surface, on loopback HTTP/JSON, for tests and the demo:
 *   GET  /state                                   halls (weight, power, temperature), faults
 *   POST /weight  {"zone": "hall-a", "weight": 60}
 *   POST /cooling {"zone": "hall-a", "percent": 50}
 *   POST /fault   {"target": "hall_a_inlet_temp", "fault": "wire_break" | "short" | "stuck"}
 *                 {"target": "hall-a-plc", "fault": "offline" | "slow" | "exception", "delay_ms"?: 2000, "code"?: 4}
 *                 {"target": "hall_a_inlet_temp" | "hall-a-plc" | "*", "fault": "clear"}
 * Answers 200 with the new state, 400/404 with {"error": "..."}.
 */
import { once } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from '../http-builtin.ts';
import type { AddressInfo } from 'node:net';
import { PlantError, type Plant } from './plant.ts';

const MAX_BODY = 64 * 1024;

export class ControlServer {
  readonly name = 'sim-control';
  private readonly plant: Plant;
  private readonly host: string;
  private readonly requestedPort: number;
  private server: Server | undefined;
  private stopped: Promise<void> | undefined;

  constructor(plant: Plant, host: string, port: number) {
    this.plant = plant;
    this.host = host;
    this.requestedPort = port;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    server.listen(this.requestedPort, this.host);
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([err]) => Promise.reject(new Error(`sim control cannot listen on ${this.host}:${this.requestedPort}: ${(err as NodeJS.ErrnoException).code}`, { cause: err })))]);
  }

  stop(): Promise<void> {
    this.stopped ??= new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.stopped;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (req.method === 'GET' && path === '/state') return send(res, 200, this.plant.state());
      if (req.method !== 'POST') throw new PlantError(path === '/state' ? 405 : 404, `no route ${req.method} ${path}`);
      const body = await readJson(req);
      switch (path) {
        case '/weight':
          this.plant.setWeight(str(body, 'zone'), num(body, 'weight'));
          break;
        case '/cooling':
          this.plant.setCooling(str(body, 'zone'), num(body, 'percent'));
          break;
        case '/fault': {
          const target = str(body, 'target');
          const fault = str(body, 'fault');
          if (fault === 'clear') this.plant.clearFault(target);
          else {
            const opts: { delayMs?: number; code?: number } = {};
            if (body['delay_ms'] !== undefined) opts.delayMs = num(body, 'delay_ms');
            if (body['code'] !== undefined) opts.code = num(body, 'code');
            this.plant.injectFault(target, fault, opts);
          }
          break;
        }
        default:
          throw new PlantError(404, `no route POST ${path}`);
      }
      send(res, 200, this.plant.state());
    } catch (err) {
      const status = err instanceof PlantError ? err.status : err instanceof RangeError ? 400 : 500;
      send(res, status, { error: (err as Error).message });
    }
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > MAX_BODY) throw new PlantError(413, 'body too large');
  }
  let data: unknown;
  try {
    data = JSON.parse(text || '{}');
  } catch {
    throw new PlantError(400, 'body is not JSON');
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new PlantError(400, 'body must be a JSON object');
  return data as Record<string, unknown>;
}

function str(body: Record<string, unknown>, key: string): string {
  const v = body[key];
  if (typeof v !== 'string' || v === '') throw new PlantError(400, `"${key}" must be a non-empty string`);
  return v;
}

function num(body: Record<string, unknown>, key: string): number {
  const v = body[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new PlantError(400, `"${key}" must be a number`);
  return v;
}
