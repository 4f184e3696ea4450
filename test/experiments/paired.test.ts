import { describe, expect, it } from 'vitest';
import { SIGN_TEST_MIN_PAIRS, pairedDifference, signTestP } from '../../src/experiments/paired.js';
import { studentT975 } from '../../src/metrics/studentT.js';

describe('paired differences', () => {
  it('takes the mean of a − b pair by pair, with the Student-t half-width of the differences', () => {
    const d = pairedDifference([10, 12, 11, 13], [9, 10, 10, 11]);
    // Differences 1, 2, 1, 2: mean 1.5, sample sd 0.57735.
    expect(d.mean).toBeCloseTo(1.5, 12);
    expect(d.halfWidth).toBeCloseTo((studentT975(3) * Math.sqrt(1 / 3)) / 2, 12);
    expect(d.n).toBe(4);
    expect(d.significant).toBe(true);
  });

  it('is not significant when the interval covers zero', () => {
    const d = pairedDifference([1, 3, 0, 2], [2, 1, 1, 1]);
    expect(d.mean).toBeCloseTo(0.25, 12);
    expect(Math.abs(d.mean!)).toBeLessThan(d.halfWidth!);
    expect(d.significant).toBe(false);
  });

  it('finds identical samples equal: zero difference, zero half-width, not significant', () => {
    expect(pairedDifference([1, 2, 3], [1, 2, 3])).toEqual({ mean: 0, halfWidth: 0, significant: false, n: 3 });
  });

  it('never calls identical differences significant from fewer than 6 pairs: their interval is degenerate', () => {
    expect(pairedDifference([2, 3, 4], [1, 2, 3])).toEqual({ mean: 1, halfWidth: 0, significant: false, n: 3 });
    expect(pairedDifference([2, 3, 4, 5, 6], [1, 2, 3, 4, 5])).toMatchObject({ mean: 1, halfWidth: 0, significant: false });
  });

  it('calls identical nonzero differences significant from 6 pairs on (sign test: p = 2^(1 − n) < 0.05)', () => {
    expect(SIGN_TEST_MIN_PAIRS).toBe(6);
    expect(2 ** (1 - (SIGN_TEST_MIN_PAIRS - 1))).toBeGreaterThan(0.05);
    expect(2 ** (1 - SIGN_TEST_MIN_PAIRS)).toBeLessThan(0.05);
    const shifted = pairedDifference([2, 3, 4, 5, 6, 7], [1, 2, 3, 4, 5, 6]);
    expect(shifted).toEqual({ mean: 1, halfWidth: 0, significant: true, n: 6 });
  });

  it('computes the exact two-sided sign test: twice the binomial tail of the smaller sign, at most 1', () => {
    expect(signTestP(5, 0)).toBeCloseTo(2 / 32, 12);
    expect(signTestP(0, 6)).toBeCloseTo(2 / 64, 12);
    // 8 against 3: 2 · (C(11,0) + C(11,1) + C(11,2) + C(11,3)) / 2^11.
    expect(signTestP(8, 3)).toBeCloseTo((2 * (1 + 11 + 55 + 165)) / 2048, 12);
    expect(signTestP(3, 3)).toBe(1);
    expect(signTestP(0, 0)).toBe(1);
    expect(signTestP(SIGN_TEST_MIN_PAIRS - 1, 0)).toBeGreaterThan(0.05);
    expect(signTestP(SIGN_TEST_MIN_PAIRS, 0)).toBeLessThan(0.05);
  });

  it('does not star a difference most replications do not show unless its signs pass the sign test', () => {
    // 15 of 20 replications unmoved, 5 moved by +1: the t interval excludes 0 (t = 2.52 > 2.09),
    // but 5 of 5 the same way is p = 0.0625: the claim rests on too few replications.
    const fiveOfTwenty = pairedDifference([...Array(15).fill(0), 1, 1, 1, 1, 1], Array(20).fill(0));
    expect(fiveOfTwenty.mean).toBeCloseTo(0.25, 12);
    expect(Math.abs(fiveOfTwenty.mean!)).toBeGreaterThan(fiveOfTwenty.halfWidth!);
    expect(fiveOfTwenty.significant).toBe(false);
    // Half unmoved and the other half all one way: p = 2^-9, starred.
    const tenOfTwenty = pairedDifference([...Array(10).fill(0), ...Array(10).fill(1)], Array(20).fill(0));
    expect(tenOfTwenty.significant).toBe(true);
    // From 5 replications, 2 moved the same way and 3 not: never.
    expect(pairedDifference([0, 0, 0, 3, 3.1], [0, 0, 0, 0, 0]).significant).toBe(false);
  });

  it('leaves differences that most replications show to the t interval, whatever their signs', () => {
    // 9 of 20 unmoved; 8 up by 10, 3 down by 1: the sign test alone (p = 0.23) would not star it.
    const a = [...Array(9).fill(0), ...Array(8).fill(10), -1, -1, -1];
    const d = pairedDifference(a, Array(20).fill(0));
    expect(signTestP(8, 3)).toBeGreaterThan(0.05);
    expect(Math.abs(d.mean!)).toBeGreaterThan(d.halfWidth!);
    expect(d.significant).toBe(true);
  });

  it('treats differences equal up to floating-point rounding as identical, not as a razor-thin interval', () => {
    // 0.3 − 0.1, 0.7 − 0.5 and 1.1 − 0.9 differ in their last bits only.
    const d = pairedDifference([0.3, 0.7, 1.1], [0.1, 0.5, 0.9]);
    expect(d.mean).toBeCloseTo(0.2, 12);
    expect(d).toMatchObject({ halfWidth: 0, significant: false, n: 3 });
  });

  it('finds a figure computed in another order equal to itself: rounding is no difference', () => {
    // Each replication's figure is one sum of the same four fractions, added forwards by one
    // strategy and backwards by the other (as a standard deviation over the same qualities
    // completed in another order): equal but for their last bits, which no interval may star.
    const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);
    const fractions = [0, 1, 2, 3, 4, 5].map((r) => [0, 1, 2, 3].map((k) => 1 / (k + 1 + 7 * r)));
    const forwards = fractions.map(sum);
    const backwards = fractions.map((values) => sum([...values].reverse()));
    expect(forwards.filter((value, r) => value !== backwards[r]).length).toBeGreaterThan(1);
    expect(pairedDifference(forwards, backwards)).toEqual({ mean: 0, halfWidth: 0, significant: false, n: 6 });
  });

  it('skips pairs with a missing value and claims nothing from a single pair', () => {
    const d = pairedDifference([null, 5, 7], [1, null, 4]);
    expect(d).toEqual({ mean: 3, halfWidth: 0, significant: false, n: 1 });
    expect(pairedDifference([null], [1])).toEqual({ mean: null, halfWidth: null, significant: false, n: 0 });
  });

  it('refuses samples of different lengths', () => {
    expect(() => pairedDifference([1, 2], [1])).toThrow(/2 values against 1/);
  });
});
