/**
 * One hall (zone) of the simulated plant. IT load follows the weight knob (0-100 %); feed power =
 * idle + watts_per_weight_pct x weight (noise is added by the meters); the inlet temperature
 * follows a first-order lag towards ambient + kelvin_per_watt x power / cooling, integrated
 * exactly between events (the input is constant in between), so any clock speed is stable.
 */
export interface HallParams {
  zoneId: string;
  /** Cel: supply air temperature (the inlet of a hall drawing no power). */
  ambient: number;
  tauS: number;
  kelvinPerWatt: number;
  idleW: number;
  wattsPerWeightPct: number;
  temperatureMax: number;
  powerBudget: number;
  /** Weight at start (%); the hall starts at its steady state for it. */
  initialWeight: number;
}

export interface HallState {
  zone: string;
  weight: number;
  cooling: number;
  powerW: number;
  temperature: number;
  steadyStateTemperature: number;
  energyJ: number;
}

export class HallModel {
  readonly params: HallParams;
  private weight: number;
  private cooling = 100;
  private temperature: number;
  private energyJ = 0;
  private t: number;

  constructor(params: HallParams, now: number) {
    this.params = params;
    this.weight = params.initialWeight;
    this.t = now;
    this.temperature = this.steadyState();
  }

  /** Mean feed power at the current weight (W). */
  powerW(): number {
    return this.params.idleW + this.params.wattsPerWeightPct * this.weight;
  }

  /** Where the inlet temperature settles at the current weight and cooling. */
  steadyState(): number {
    // Less cooling airflow means a larger rise per watt (dT = P / (m_dot * cp)).
    return this.params.ambient + (this.params.kelvinPerWatt * this.powerW()) / Math.max(this.cooling / 100, 0.05);
  }

  /** Integrates temperature and energy up to `now` (ms); never goes backwards. */
  advanceTo(now: number): void {
    const dtS = (now - this.t) / 1000;
    if (dtS <= 0) return;
    const target = this.steadyState();
    this.temperature = target + (this.temperature - target) * Math.exp(-dtS / this.params.tauS);
    this.energyJ += this.powerW() * dtS;
    this.t = now;
  }

  setWeight(weight: number, now: number): void {
    if (!(weight >= 0 && weight <= 100)) throw new RangeError(`weight must be within 0-100, got ${weight}`);
    this.advanceTo(now);
    this.weight = weight;
  }

  /** Cooling capacity in % (100 = nominal airflow); lower raises the rise per watt. */
  setCooling(percent: number, now: number): void {
    if (!(percent >= 0 && percent <= 200)) throw new RangeError(`cooling must be within 0-200 %, got ${percent}`);
    this.advanceTo(now);
    this.cooling = percent;
  }

  state(now: number): HallState {
    this.advanceTo(now);
    return {
      zone: this.params.zoneId,
      weight: this.weight,
      cooling: this.cooling,
      powerW: this.powerW(),
      temperature: this.temperature,
      steadyStateTemperature: this.steadyState(),
      energyJ: this.energyJ,
    };
  }
}
