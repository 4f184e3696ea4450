/**
 * A per-agent exponentially weighted moving average, for the parts of a pipeline that learn
 * from settled attempts (quality, latency). Indexed by the agent's fleet position, which the
 * engine never reuses; grows when the fleet does, never per decision.
 */
import { grownToHold } from '../agentIndex.js';

/** EWMA per agent index; an agent with no observation yet reads as its prior. */
export class AgentEwma {
  private values = new Float64Array(8);
  /** 1 once the agent has an observation (0 means: read the prior). */
  private seen = new Uint8Array(8);

  /**
   * @param alpha - weight of the newest observation, in (0, 1]
   */
  constructor(private readonly alpha: number) {
    if (!(alpha > 0 && alpha <= 1)) throw new Error(`EWMA alpha must be in (0, 1], got ${alpha}`);
  }

  /** The average for `index`, or `prior` when it has no observation yet. */
  get(index: number, prior: number): number {
    return index < this.seen.length && this.seen[index] === 1 ? this.values[index]! : prior;
  }

  /**
   * Folds `observation` into the average of `index`. The first observation starts from
   * `prior`, so a prior is worth about 1/alpha observations and one lucky draw does not
   * settle an agent's reputation.
   */
  observe(index: number, observation: number, prior: number): void {
    if (!Number.isFinite(observation)) throw new Error(`EWMA observation for agent ${index} is not finite: ${observation}`);
    this.values = grownToHold(this.values, index);
    this.seen = grownToHold(this.seen, index);
    const previous = this.seen[index] === 1 ? this.values[index]! : prior;
    this.values[index] = previous + this.alpha * (observation - previous);
    this.seen[index] = 1;
  }
}
