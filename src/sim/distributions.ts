/**
 * Sampling the scenario's distributions by inverse transform from a seeded uniform stream.
 * A draw consumes 0 (constant), 1 (exponential, uniform) or 2 (normal, lognormal) uniforms, so
 * changing one task type's distribution family shifts later draws of the same stream; each task
 * attribute has its own stream, so other attributes are unaffected.
 */
import type { Distribution } from '../scenario/types.js';
import type { Uniform } from './random.js';

/** An exponential draw with the given mean. */
export function exponential(random: Uniform, mean: number): number {
  return -mean * Math.log(1 - random());
}

/** A standard normal draw (Box–Muller; consumes two uniforms). */
export function standardNormal(random: Uniform): number {
  const u1 = 1 - random();
  const u2 = random();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Parameters (mu, sigma) of the lognormal with the given mean and standard deviation. */
export function lognormalParameters(mean: number, sd: number): { mu: number; sigma: number } {
  const sigma2 = Math.log(1 + (sd * sd) / (mean * mean));
  return { mu: Math.log(mean) - sigma2 / 2, sigma: Math.sqrt(sigma2) };
}

/** A sampler for `distribution`, with its parameters precomputed. */
export function sampler(distribution: Distribution): (random: Uniform) => number {
  switch (distribution.dist) {
    case 'constant': {
      const value = distribution.value;
      return () => value;
    }
    case 'exponential': {
      const mean = distribution.mean;
      return (random) => exponential(random, mean);
    }
    case 'lognormal': {
      const { mu, sigma } = lognormalParameters(distribution.mean, distribution.sd);
      return (random) => Math.exp(mu + sigma * standardNormal(random));
    }
    case 'uniform': {
      const { min, max } = distribution;
      return (random) => min + (max - min) * random();
    }
    default: {
      const unreachable: never = distribution;
      throw new Error(`unknown distribution ${JSON.stringify(unreachable)}`);
    }
  }
}

/** Mean of a distribution (for reports and theory checks). */
export function meanOf(distribution: Distribution): number {
  switch (distribution.dist) {
    case 'constant': return distribution.value;
    case 'exponential': return distribution.mean;
    case 'lognormal': return distribution.mean;
    case 'uniform': return (distribution.min + distribution.max) / 2;
    default: {
      const unreachable: never = distribution;
      throw new Error(`unknown distribution ${JSON.stringify(unreachable)}`);
    }
  }
}

/**
 * Zipf popularity over ranks 0 … count−1 with exponent `s` (s = 0 is uniform): P(k) ∝ 1/(k+1)^s.
 * Draws by binary search over the cumulative weights.
 */
export class ZipfSampler {
  private readonly cumulative: Float64Array;

  /** @param count - number of ranks; @param s - exponent ≥ 0. */
  constructor(count: number, s: number) {
    if (!Number.isInteger(count) || count < 1) throw new Error(`zipf count must be an integer >= 1, got ${count}`);
    this.cumulative = new Float64Array(count);
    let total = 0;
    for (let k = 0; k < count; k++) this.cumulative[k] = total += 1 / (k + 1) ** s;
    for (let k = 0; k < count; k++) this.cumulative[k]! /= total;
  }

  /** A rank drawn from `random`. */
  draw(random: Uniform): number {
    const u = random();
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
