import fc from 'fast-check';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import {
  ZipfSampler,
  exponential,
  lognormalParameters,
  meanOf,
  sampler,
  standardNormal,
} from '../../src/sim/distributions.js';
import type { Uniform } from '../../src/sim/random.js';
import { binomialTolerance, drawMany, meanAndSd, meanTolerance, sdTolerance } from './tolerance.js';

/**
 * The scenario's distribution type, taken from the sampler's signature rather than imported
 * from src/scenario (which is being rewritten concurrently).
 */
type Distribution = Parameters<typeof sampler>[0];

/** Sample size of the moment checks: large enough that 4 SE is under 1% of the mean. */
const N = 200_000;

/** A fresh seeded uniform stream for test `name`. */
function uniform(name: string): Uniform {
  return seedrandom.alea(`test/sim/distributions/${name}`);
}

/** A uniform that replays `values` in order, then throws (for exact inverse-transform checks). */
function scripted(values: readonly number[]): Uniform {
  let i = 0;
  return () => {
    if (i >= values.length) throw new Error('scripted uniform exhausted');
    return values[i++]!;
  };
}

/** Frequencies of each rank in `n` Zipf draws. */
function rankFrequencies(zipf: ZipfSampler, count: number, n: number, random: Uniform): number[] {
  const hits = new Array<number>(count).fill(0);
  for (let i = 0; i < n; i++) hits[zipf.draw(random)]!++;
  return hits.map((h) => h / n);
}

/** P(k) ∝ 1/(k+1)^s, normalised: what a Zipf sampler must reproduce. */
function zipfProbabilities(count: number, s: number): number[] {
  const weights = Array.from({ length: count }, (_, k) => 1 / (k + 1) ** s);
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / total);
}

describe('exponential', () => {
  it('is the inverse transform -mean·ln(1 − u) of one uniform', () => {
    expect(exponential(scripted([0]), 3) + 0).toBe(0); // −3·ln 1 is −0; + 0 normalises the sign
    expect(exponential(scripted([0.5]), 2)).toBe(-2 * Math.log(0.5));
    expect(exponential(scripted([0.75]), 1)).toBe(-Math.log(0.25));
  });

  it('has the configured mean and a standard deviation equal to it', () => {
    // Exponential: σ = μ and kurtosis 9, so |mean − μ| < 4μ/√n and |sd − μ| < 4μ·√(8/n)/2.
    const mu = 3;
    const random = uniform('exp');
    const { mean, sd } = meanAndSd(drawMany(N, () => exponential(random, mu)));
    expect(Math.abs(mean - mu)).toBeLessThan(meanTolerance(mu, N));
    expect(Math.abs(sd - mu)).toBeLessThan(sdTolerance(mu, 9, N));
  });
});

describe('standardNormal', () => {
  it('has mean 0 and standard deviation 1', () => {
    // Normal: σ = 1, kurtosis 3: |mean| < 4/√n and |sd − 1| < 4·√(2/n)/2.
    const random = uniform('normal');
    const { mean, sd } = meanAndSd(drawMany(N, () => standardNormal(random)));
    expect(Math.abs(mean)).toBeLessThan(meanTolerance(1, N));
    expect(Math.abs(sd - 1)).toBeLessThan(sdTolerance(1, 3, N));
  });
});

describe('lognormalParameters', () => {
  it('round-trips the mean and standard deviation it was given', () => {
    // A lognormal(mu, sigma) has mean exp(mu + sigma²/2) and sd = mean·√(exp(sigma²) − 1).
    fc.assert(
      fc.property(
        fc.double({ min: 1e-3, max: 1e6, noNaN: true }),
        fc.double({ min: 1e-3, max: 10, noNaN: true }),
        (mean, cv) => {
          const sd = mean * cv;
          const { mu, sigma } = lognormalParameters(mean, sd);
          const mean2 = Math.exp(mu + (sigma * sigma) / 2);
          const sd2 = mean2 * Math.sqrt(Math.expm1(sigma * sigma));
          expect(Math.abs(mean2 - mean) / mean).toBeLessThan(1e-9);
          expect(Math.abs(sd2 - sd) / sd).toBeLessThan(1e-9);
        },
      ),
      { seed: 7, numRuns: 500 },
    );
  });

  it('gives sigma 0 and mu ln(mean) for a standard deviation of 0', () => {
    expect(lognormalParameters(50, 0)).toEqual({ mu: Math.log(50), sigma: 0 });
  });
});

describe('sampler', () => {
  it('lognormal draws have the configured mean and standard deviation', () => {
    // Lognormal with cv = 0.4: e^{σ²} = 1 + cv² = 1.16, kurtosis
    // κ = e^{4σ²} + 2e^{3σ²} + 3e^{2σ²} − 3 ≈ 5.97 (excess e^{4σ²} + 2e^{3σ²} + 3e^{2σ²} − 6, plus 3).
    // Sample mean: |mean − μ| < 4·sd/√n; sample sd: |s − sd| < 4·sd·√((κ − 1)/n)/2 (delta method).
    const dist: Distribution = { dist: 'lognormal', mean: 2000, sd: 800 };
    const w = 1 + (800 / 2000) ** 2;
    const kurtosis = w ** 4 + 2 * w ** 3 + 3 * w ** 2 - 3;
    const draw = sampler(dist);
    const random = uniform('lognormal');
    const xs = drawMany(N, () => draw(random));
    const { mean, sd } = meanAndSd(xs);
    expect(Math.abs(mean - 2000)).toBeLessThan(meanTolerance(800, N));
    expect(Math.abs(sd - 800)).toBeLessThan(sdTolerance(800, kurtosis, N));
    expect(xs.every((x) => x > 0)).toBe(true);
  });

  it('heavy-tailed lognormal draws keep the configured mean', () => {
    // cv = 1.5: only the mean is checked (the sample sd of so heavy a tail converges slowly).
    const draw = sampler({ dist: 'lognormal', mean: 10, sd: 15 });
    const random = uniform('lognormal-heavy');
    const { mean } = meanAndSd(drawMany(N, () => draw(random)));
    expect(Math.abs(mean - 10)).toBeLessThan(meanTolerance(15, N));
  });

  it('exponential draws have the configured mean', () => {
    const draw = sampler({ dist: 'exponential', mean: 250 });
    const random = uniform('sampler-exp');
    const { mean } = meanAndSd(drawMany(N, () => draw(random)));
    expect(Math.abs(mean - 250)).toBeLessThan(meanTolerance(250, N));
  });

  it('uniform draws map u to min + (max − min)·u', () => {
    const draw = sampler({ dist: 'uniform', min: 10, max: 30 });
    expect(draw(scripted([0]))).toBe(10);
    expect(draw(scripted([0.25]))).toBe(15);
    expect(draw(scripted([0.5]))).toBe(20);
  });

  it('uniform draws stay in [min, max) with mean (min + max)/2 and sd (max − min)/√12', () => {
    // |mean − 20| < 4·(20/√12)/√n; the uniform's kurtosis is 9/5.
    const draw = sampler({ dist: 'uniform', min: 10, max: 30 });
    const random = uniform('uniform');
    const xs = drawMany(N, () => draw(random));
    const { mean, sd } = meanAndSd(xs);
    const sigma = 20 / Math.sqrt(12);
    expect(Math.abs(mean - 20)).toBeLessThan(meanTolerance(sigma, N));
    expect(Math.abs(sd - sigma)).toBeLessThan(sdTolerance(sigma, 9 / 5, N));
    expect(xs.every((x) => x >= 10 && x < 30)).toBe(true);
  });

  it('constant draws are always exactly the value', () => {
    const draw = sampler({ dist: 'constant', value: 1234.5 });
    const random = uniform('constant');
    const xs = drawMany(1000, () => draw(random));
    expect(xs.every((x) => x === 1234.5)).toBe(true);
  });

  it('meanOf gives each distribution its mean', () => {
    expect(meanOf({ dist: 'constant', value: 7 })).toBe(7);
    expect(meanOf({ dist: 'exponential', mean: 3 })).toBe(3);
    expect(meanOf({ dist: 'lognormal', mean: 2000, sd: 800 })).toBe(2000);
    expect(meanOf({ dist: 'uniform', min: 10, max: 30 })).toBe(20);
  });
});

describe('ZipfSampler', () => {
  it('with s = 0 cuts [0, 1) into equal slices, one per rank', () => {
    const zipf = new ZipfSampler(4, 0);
    const ranks = [0, 0.2499, 0.25, 0.4999, 0.5, 0.75, 0.9999].map((u) => zipf.draw(scripted([u])));
    expect(ranks).toEqual([0, 0, 1, 1, 2, 3, 3]);
  });

  it('with s = 0 draws every rank equally often', () => {
    const count = 5;
    const n = 100_000;
    const freq = rankFrequencies(new ZipfSampler(count, 0), count, n, uniform('zipf-uniform'));
    for (const f of freq) expect(Math.abs(f - 1 / count)).toBeLessThan(binomialTolerance(1 / count, n));
  });

  it('a larger s concentrates the draws on rank 0', () => {
    const count = 10;
    const n = 50_000;
    const exponents = [0, 0.5, 1, 2, 4];
    const top = exponents.map((s) => rankFrequencies(new ZipfSampler(count, s), count, n, uniform(`zipf-top-${s}`))[0]!);
    for (let i = 1; i < top.length; i++) expect(top[i]!).toBeGreaterThan(top[i - 1]!);
    // At s = 4 rank 0 carries 1/Σ(k+1)^−4 ≈ 92.4% of the mass.
    const p0 = zipfProbabilities(count, 4)[0]!;
    expect(Math.abs(top[4]! - p0)).toBeLessThan(binomialTolerance(p0, n));
  });

  it('draws rank k with probability 1/(k+1)^s normalised', () => {
    const count = 8;
    const s = 1.1;
    const n = 200_000;
    const freq = rankFrequencies(new ZipfSampler(count, s), count, n, uniform('zipf-1.1'));
    const p = zipfProbabilities(count, s);
    for (let k = 0; k < count; k++) expect(Math.abs(freq[k]! - p[k]!)).toBeLessThan(binomialTolerance(p[k]!, n));
  });

  it('with a single rank always draws rank 0', () => {
    const zipf = new ZipfSampler(1, 1.5);
    const random = uniform('zipf-one');
    for (let i = 0; i < 100; i++) expect(zipf.draw(random)).toBe(0);
  });

  it('never draws a rank outside 0 … count − 1', () => {
    const zipf = new ZipfSampler(3, 0.8);
    expect(zipf.draw(scripted([0]))).toBe(0);
    expect(zipf.draw(scripted([1 - Number.EPSILON]))).toBe(2);
  });

  it('rejects a count that is not an integer of at least 1', () => {
    for (const count of [0, -3, 2.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new ZipfSampler(count, 1)).toThrow(/zipf count/);
    }
  });
});
