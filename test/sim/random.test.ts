import { chiSquaredDistributionTable, sampleCorrelation } from 'simple-statistics';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { mix32 } from '../../src/engine/hash.js';
import { KeyedStreams, outcomeStreams, stream } from '../../src/sim/random.js';
import { Z, drawMany, meanTolerance } from './tolerance.js';

const N = 20_000;

/** The first `draws` values of a stream. */
function firstDraws(random: () => number, draws: number): number[] {
  return Array.from({ length: draws }, () => random());
}

describe('named streams', () => {
  it('are reproducible from (seed, replication, name) and differ when any of them differs', () => {
    expect(firstDraws(stream(7, 0, 'arrivals'), 5)).toEqual(firstDraws(stream(7, 0, 'arrivals'), 5));
    const first = stream(7, 0, 'arrivals')();
    for (const other of [stream(8, 0, 'arrivals'), stream(7, 1, 'arrivals'), stream(7, 0, 'tokens')]) expect(other()).not.toBe(first);
  });
});

describe('keyed streams (one per task attempt, one per offer answer)', () => {
  it('give the same stream for the same (key, counter), from any instance of the same base', () => {
    const a = new KeyedStreams(3, 1, 'outcome');
    const b = new KeyedStreams(3, 1, 'outcome');
    expect(firstDraws(a.stream('t42', 2), 10)).toEqual(firstDraws(b.stream('t42', 2), 10));
  });

  it('differ with the key, the counter (beyond 32 bits too), the seed, the replication and the base name', () => {
    const first = new KeyedStreams(3, 1, 'outcome').stream('t42', 2)();
    const others = [
      new KeyedStreams(3, 1, 'outcome').stream('t43', 2),
      new KeyedStreams(3, 1, 'outcome').stream('t42', 3),
      new KeyedStreams(3, 1, 'outcome').stream('t42', 2 + 2 ** 32),
      new KeyedStreams(4, 1, 'outcome').stream('t42', 2),
      new KeyedStreams(3, 2, 'outcome').stream('t42', 2),
      new KeyedStreams(3, 1, 'offer').stream('t42', 2),
    ];
    for (const other of others) expect(other()).not.toBe(first);
  });

  /** Draw `position` (0-based) of the streams of `t0`…`t{n-1}` at `counter`. */
  function acrossIds(keyed: KeyedStreams, n: number, counter: number, position: number): number[] {
    return Array.from({ length: n }, (_, i) => {
      const random = keyed.stream(`t${i}`, counter);
      for (let skipped = 0; skipped < position; skipped++) random();
      return random();
    });
  }

  /** Pearson's statistic of `draws` in `bins` equal bins of [0, 1). */
  function chiSquared(draws: readonly number[], bins: number): number {
    const counts = new Array<number>(bins).fill(0);
    for (const u of draws) counts[Math.floor(u * bins)]!++;
    const expected = draws.length / bins;
    return counts.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
  }

  /** Kolmogorov–Smirnov distance of `draws` from the uniform distribution on [0, 1). */
  function ksDistance(draws: readonly number[]): number {
    const sorted = [...draws].sort((a, b) => a - b);
    const n = sorted.length;
    return sorted.reduce((worst, u, i) => Math.max(worst, (i + 1) / n - u, u - i / n), 0);
  }

  // The agent model takes up to six draws per attempt (fail, fail point, two normals): each of
  // the first six positions must be uniform across consecutive task ids.
  const POSITIONS = [0, 1, 2, 3, 4, 5];

  it('are uniform on [0, 1) across consecutive task ids at each of the first six draws: chi-square (101 bins) and Kolmogorov–Smirnov, each at significance 0.005', () => {
    const keyed = new KeyedStreams(11, 0, 'outcome');
    // Upper 0.5% points: chi-square with 100 degrees of freedom; KS's asymptotic 1.731/√n.
    const chiCritical = chiSquaredDistributionTable[100]!['0.005']!;
    const ksCritical = 1.731 / Math.sqrt(N);
    for (const position of POSITIONS) {
      const draws = acrossIds(keyed, N, 1, position);
      for (const u of draws) expect(u >= 0 && u < 1).toBe(true);
      expect(chiSquared(draws, 101), `position ${position}`).toBeLessThan(chiCritical);
      expect(ksDistance(draws), `position ${position}`).toBeLessThan(ksCritical);
      const mean = draws.reduce((sum, u) => sum + u, 0) / N;
      expect(Math.abs(mean - 0.5)).toBeLessThan(meanTolerance(Math.sqrt(1 / 12), N));
    }
  });

  it('fail the same uniformity checks when the draws are not uniform (the checks can fail)', () => {
    const keyed = new KeyedStreams(11, 0, 'outcome');
    const squashed = acrossIds(keyed, N, 1, 0).map((u) => u * 0.98);
    expect(chiSquared(squashed, 101)).toBeGreaterThan(chiSquaredDistributionTable[100]!['0.005']!);
    expect(ksDistance(squashed)).toBeGreaterThan(1.731 / Math.sqrt(N));
  });

  it('are uncorrelated between neighbouring ids, between attempts of one task, between draws of one stream, and along one stream', () => {
    const keyed = new KeyedStreams(11, 0, 'outcome');
    const attempt1 = acrossIds(keyed, N + 1, 1, 0);
    const attempt2 = acrossIds(keyed, N, 2, 0);
    const secondDraw = acrossIds(keyed, N, 1, 1);
    const along = drawMany(N + 1, keyed.stream('t7', 1));
    // Under independence a sample correlation's standard error is about 1/√n.
    const band = Z / Math.sqrt(N);
    expect(Math.abs(sampleCorrelation(attempt1.slice(0, N), attempt1.slice(1)))).toBeLessThan(band);
    expect(Math.abs(sampleCorrelation(attempt1.slice(0, N), attempt2))).toBeLessThan(band);
    expect(Math.abs(sampleCorrelation(attempt1.slice(0, N), secondDraw))).toBeLessThan(band);
    expect(Math.abs(sampleCorrelation([...along.subarray(0, N)], [...along.subarray(1)]))).toBeLessThan(band);
  });

  it('give draw i the same value whether or not the draws before it were taken (counter-based)', () => {
    const keyed = new KeyedStreams(3, 1, 'outcome');
    const all = firstDraws(keyed.stream('t42', 2), 6);
    expect(firstDraws(keyed.stream('t42', 2, 2), 4)).toEqual(all.slice(2));
    expect(firstDraws(outcomeStreams(3, 1).forAttempt('t42', 2, 4), 2)).toEqual(all.slice(4));
  });

  it('share one cursor per instance: a new stream repositions it, and the old key draws the same again', () => {
    const keyed = new KeyedStreams(3, 1, 'outcome');
    const first = firstDraws(keyed.stream('t42', 2), 4);
    firstDraws(keyed.stream('t43', 2), 4);
    expect(firstDraws(keyed.stream('t42', 2), 4)).toEqual(first);
    expect(new Set(first).size).toBe(4);
  });

  it('take draw i of (key, counter) as the class comment defines it, for small counters and beyond 2^31 and 2^32 alike', () => {
    // The definition written out: FNV-1a lanes over the key, the counter's low and high words, murmur3's finaliser.
    const base = seedrandom.alea('fleetsim/3/1/outcome');
    const [laneA, laneB, laneC] = [base.int32(), base.int32(), base.int32()];
    const defined = (key: string, counter: number, i: number): number => {
      let a = laneA;
      let b = laneB;
      for (let k = 0; k < key.length; k++) {
        a = Math.imul(a ^ key.charCodeAt(k), 0x01000193);
        b = Math.imul(b ^ key.charCodeAt(k), 0x5bd1e995);
      }
      const low = counter | 0;
      const high = Math.floor(counter / 2 ** 32) | 0;
      const x0 = mix32(a ^ Math.imul(low, 0x9e3779b1) ^ Math.imul(high, 0x7feb352d) ^ key.length);
      const y0 = mix32(b ^ Math.imul(low, 0x85ebca77) ^ Math.imul(high, 0xc2b2ae3d));
      const x = mix32(x0 ^ Math.imul(y0, 0x27d4eb2f) ^ laneC);
      const y = mix32(y0 ^ Math.imul(x, 0x165667b1));
      return (mix32(mix32(x ^ Math.imul(i, 0x9e3779b9)) ^ y) >>> 0) * 2 ** -32;
    };
    const keyed = new KeyedStreams(3, 1, 'outcome');
    const counters = [0, 1, 2, 7, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER];
    for (const key of ['t0', 't41', 't123456', '3:t1a0']) {
      for (const counter of counters) expect(firstDraws(keyed.stream(key, counter), 3)).toEqual([0, 1, 2].map((i) => defined(key, counter, i)));
    }
  });

  it('refuse a counter that is not a safe integer', () => {
    const keyed = new KeyedStreams(1, 0, 'outcome');
    for (const counter of [1.5, Number.NaN, 2 ** 53]) expect(() => keyed.stream('t1', counter)).toThrow(/safe integer/);
  });
});

describe('outcome streams', () => {
  it('key an offer answer by task and agent without ambiguity: ("ab", "c") is not ("a", "bc")', () => {
    const streams = outcomeStreams(5, 0);
    expect(streams.forOffer('ab', 1, 'c')()).not.toBe(streams.forOffer('a', 1, 'bc')());
    expect(firstDraws(streams.forOffer('ab', 1, 'c'), 3)).toEqual(firstDraws(outcomeStreams(5, 0).forOffer('ab', 1, 'c'), 3));
  });

  it('keep attempts and offers apart: the same task and number draw differently', () => {
    const streams = outcomeStreams(5, 0);
    expect(streams.forAttempt('t1', 1)()).not.toBe(streams.forOffer('t1', 1, '')());
  });
});
