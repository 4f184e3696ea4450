import { sampleCorrelation } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { KeyedStreams, outcomeStreams, stream } from '../../src/sim/random.js';
import { Z, binomialTolerance, drawMany, meanTolerance } from './tolerance.js';

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

  it('start uniform on [0, 1) across consecutive task ids: the mean and every tenth within 4 standard errors', () => {
    const keyed = new KeyedStreams(11, 0, 'outcome');
    const draws = Array.from({ length: N }, (_, i) => keyed.stream(`t${i}`, 1)());
    for (const u of draws) expect(u >= 0 && u < 1).toBe(true);
    const mean = draws.reduce((sum, u) => sum + u, 0) / N;
    expect(Math.abs(mean - 0.5)).toBeLessThan(meanTolerance(Math.sqrt(1 / 12), N));
    for (let decile = 0; decile < 10; decile++) {
      const share = draws.filter((u) => Math.floor(u * 10) === decile).length / N;
      expect(Math.abs(share - 0.1)).toBeLessThan(binomialTolerance(0.1, N));
    }
  });

  it('are uncorrelated between neighbouring ids, between attempts of one task, and along one stream', () => {
    const keyed = new KeyedStreams(11, 0, 'outcome');
    const attempt1 = Array.from({ length: N + 1 }, (_, i) => keyed.stream(`t${i}`, 1)());
    const attempt2 = Array.from({ length: N }, (_, i) => keyed.stream(`t${i}`, 2)());
    const along = drawMany(N + 1, keyed.stream('t7', 1));
    // Under independence a sample correlation's standard error is about 1/√n.
    const band = Z / Math.sqrt(N);
    expect(Math.abs(sampleCorrelation(attempt1.slice(0, N), attempt1.slice(1)))).toBeLessThan(band);
    expect(Math.abs(sampleCorrelation(attempt1.slice(0, N), attempt2))).toBeLessThan(band);
    expect(Math.abs(sampleCorrelation([...along.subarray(0, N)], [...along.subarray(1)]))).toBeLessThan(band);
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
