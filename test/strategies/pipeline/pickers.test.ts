/**
 * The pipeline's pickers. The statistical tests run at fixed seeds; their bands are four
 * binomial standard errors (test/sim/tolerance.ts explains the choice), so a correct picker
 * passes at almost any seed and a wrong probability, off by a few points at these sample
 * sizes, fails.
 */
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { createPicker, pickMax, pickSoftmax, pickWeightedRandom } from '../../../src/strategies/pipeline/pickers.js';
import { binomialTolerance } from '../../sim/tolerance.js';

/** How often each position is picked in `n` decisions over `totals`. */
function frequencies(pick: (totals: Float64Array, count: number, random: () => number) => number, totals: number[], n: number, seed: string): number[] {
  const scores = Float64Array.from(totals);
  const random = seedrandom(seed);
  const counts = new Array<number>(totals.length).fill(0);
  for (let i = 0; i < n; i++) counts[pick(scores, totals.length, random)]!++;
  return counts.map((c) => c / n);
}

/** A generator that counts its draws. */
function countingRandom(seed: string): { random: () => number; draws: () => number } {
  const inner = seedrandom(seed);
  let draws = 0;
  return { random: () => (draws++, inner()), draws: () => draws };
}

describe('max', () => {
  it('picks the highest total, the first of equals, and draws nothing', () => {
    const { random, draws } = countingRandom('max');
    expect(createPicker('max', 1)(Float64Array.from([0.2, 0.9, 0.4]), 3, random)).toBe(1);
    expect(pickMax(Float64Array.from([0.5, 0.9, 0.9, 0.1]), 4)).toBe(1);
    expect(pickMax(Float64Array.from([-3, -1, -2]), 3)).toBe(1);
    expect(pickMax(Float64Array.from([0.9, 0.1, 0.95]), 2)).toBe(0); // only the first `count` count
    expect(draws()).toBe(0);
  });
});

describe('weighted-random', () => {
  it('picks in proportion to the totals', () => {
    const n = 20_000;
    const totals = [0.1, 0.3, 0.6];
    const seen = frequencies(pickWeightedRandom, totals, n, 'wr');
    totals.forEach((p, i) => expect(Math.abs(seen[i]! - p), `position ${i}: ${seen[i]}`).toBeLessThan(binomialTolerance(p, n)));
  });

  it('gives totals at or below 0 no share, and picks uniformly when none is above 0', () => {
    const n = 12_000;
    const seen = frequencies(pickWeightedRandom, [-0.5, 0, 0.5, 0.5], n, 'wr-neg');
    expect(seen[0]).toBe(0);
    expect(seen[1]).toBe(0);
    const uniform = frequencies(pickWeightedRandom, [0, -1, 0], n, 'wr-zero');
    for (const f of uniform) expect(Math.abs(f - 1 / 3)).toBeLessThan(binomialTolerance(1 / 3, n));
  });

  it('draws once per decision among several candidates, never for one', () => {
    const { random, draws } = countingRandom('wr-draws');
    pickWeightedRandom(Float64Array.from([1, 2]), 2, random);
    pickWeightedRandom(Float64Array.from([1]), 1, random);
    expect(draws()).toBe(1);
  });
});

describe('softmax', () => {
  const totals = [0.5, 0.8, 0.6, 0.2];

  it('at a low temperature picks the maximum every time', () => {
    // At T = 0.001 the runner-up (0.2 behind) has odds e^-200 against: never in 5,000 picks.
    const seen = frequencies((s, c, r) => pickSoftmax(s, c, r, 0.001), totals, 5000, 'cold');
    expect(seen).toEqual([0, 1, 0, 0]);
  });

  it('at a high temperature picks close to uniformly', () => {
    // At T = 1000 every probability is within e^(±0.6/1000) of 1/4, far inside the band.
    const n = 20_000;
    const seen = frequencies((s, c, r) => pickSoftmax(s, c, r, 1000), totals, n, 'hot');
    for (const f of seen) expect(Math.abs(f - 0.25), `${seen}`).toBeLessThan(binomialTolerance(0.25, n));
  });

  it('in between picks with probability proportional to exp(total / temperature)', () => {
    const n = 20_000;
    const temperature = 0.2;
    const weights = totals.map((t) => Math.exp(t / temperature));
    const sum = weights.reduce((a, b) => a + b, 0);
    const seen = frequencies(createPicker('softmax', temperature), totals, n, 'warm');
    weights.forEach((w, i) => expect(Math.abs(seen[i]! - w / sum), `position ${i}`).toBeLessThan(binomialTolerance(w / sum, n)));
  });

  it('does not overflow on large totals', () => {
    expect(pickSoftmax(Float64Array.from([1e6, 1e6 + 1]), 2, seedrandom('big'), 0.001)).toBe(1);
  });

  it('needs a temperature above 0', () => {
    expect(() => createPicker('softmax', 0)).toThrow(/temperature/);
  });
});
