/** A client of the simulated plant's HTTP control (control-server.ts): what a demo controller turns. */
import type { HallState } from './hall-model.ts';

export class PlantControlClient {
  private readonly base: string;

  constructor(base: string) {
    this.base = base.replace(/\/$/, '');
  }

  async setWeight(zone: string, weight: number): Promise<void> {
    await this.post('/weight', { zone, weight });
  }

  async setCooling(zone: string, percent: number): Promise<void> {
    await this.post('/cooling', { zone, percent });
  }

  async halls(): Promise<HallState[]> {
    const res = await fetch(`${this.base}/state`);
    if (!res.ok) throw new Error(`plant control GET /state: HTTP ${res.status}`);
    return ((await res.json()) as { halls: HallState[] }).halls;
  }

  private async post(path: string, body: unknown): Promise<void> {
    const res = await fetch(`${this.base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`plant control POST ${path}: HTTP ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
  }
}

/**
 * The hall's load when several canaries share it: each canary's weight is its share of the hall's
 * traffic, the plant's weight knob is their sum (capped at 100).
 */
export class SharedHallLoad {
  private readonly plant: PlantControlClient;
  private readonly zone: string;
  private readonly weights = new Map<string, number>();
  private chain: Promise<void> = Promise.resolve();

  constructor(plant: PlantControlClient, zone: string) {
    this.plant = plant;
    this.zone = zone;
  }

  /** Sets one canary's weight; the plant gets the new sum (calls are applied in order). */
  set(canary: string, weight: number): Promise<void> {
    this.weights.set(canary, weight);
    const total = Math.min(100, [...this.weights.values()].reduce((a, b) => a + b, 0));
    this.chain = this.chain.then(() => this.plant.setWeight(this.zone, total));
    return this.chain;
  }

  total(): number {
    return Math.min(100, [...this.weights.values()].reduce((a, b) => a + b, 0));
  }
}
