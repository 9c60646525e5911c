/** The daemon's gate engine: reads the runtime's signal store, records on its meter and logger. */
import type { Runtime } from '../runtime.ts';
import { GateEngine } from './engine.ts';
import { storeInputs } from './store-inputs.ts';

export function createGateEngine(rt: Runtime): GateEngine {
  return new GateEngine({ config: rt.config, inputs: storeInputs(rt.store, rt.config.zones), clock: rt.clock, log: rt.log, meter: rt.meter });
}
