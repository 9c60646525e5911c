/** CLOCK_MONOTONIC in ms (libuv's hrtime): one clock for every process on the machine, so stamps
 *  from the bench and its slave process can be subtracted. */
export function monoMs(): number {
  return Number(process.hrtime.bigint() / 1000n) / 1000;
}
