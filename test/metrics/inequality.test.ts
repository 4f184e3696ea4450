import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gini, jain } from '../../src/metrics/inequality.js';

describe('gini', () => {
  it('is 0 for an equal split', () => {
    expect(gini([5, 5, 5, 5])).toBe(0);
  });

  it('is (n − 1)/n when one value holds everything', () => {
    expect(gini([0, 0, 0, 7])).toBeCloseTo(3 / 4, 12);
    expect(gini([9, 0])).toBeCloseTo(1 / 2, 12);
  });

  it('matches the mean-absolute-difference definition Σ|xi − xj| / (2n²μ), whatever the input order', () => {
    // Pairs of [1, 2, 3, 4] differ by 1+2+3+1+2+1 = 10, counted twice: 20 / (2·16·2.5) = 0.25.
    expect(gini([3, 1, 4, 2])).toBeCloseTo(0.25, 12);
    expect(gini(Float64Array.of(4, 3, 2, 1))).toBeCloseTo(0.25, 12);
  });

  it('sorts numerically, not as strings', () => {
    // As strings, 10 would sort before 9 and the rank weights would be wrong.
    expect(gini([10, 9])).toBeCloseTo(2 * (9 + 20) / (2 * 19) - 3 / 2, 12);
  });

  it('is null for an empty or all-zero input: no work is not a fair split', () => {
    expect(gini([])).toBeNull();
    expect(gini([0, 0, 0])).toBeNull();
  });

  it('is the sorted-rank formula over every value, zeros included, to the bit', () => {
    // The zeros are left out of the sort (most of a large fleet is idle in a short run): they
    // must still take their ranks, and the sums must come out as over the whole sorted input.
    const sortedRank = (values: readonly number[]): number | null => {
      const sorted = Float64Array.from(values).sort();
      let total = 0;
      let rankWeighted = 0;
      for (let i = 0; i < sorted.length; i++) {
        total += sorted[i]!;
        rankWeighted += (i + 1) * sorted[i]!;
      }
      if (total === 0) return null;
      const coefficient = (2 * rankWeighted) / (sorted.length * total) - (sorted.length + 1) / sorted.length;
      return coefficient < 0 ? 0 : coefficient;
    };
    const value = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 50 }), fc.double({ min: 0, max: 1e6, noNaN: true }));
    fc.assert(fc.property(fc.array(value, { maxLength: 300 }), (values) => {
      expect(gini(values)).toBe(values.length === 0 ? null : sortedRank(values));
    }), { seed: 1, numRuns: 500 });
  });

  it('leaves the input as it was', () => {
    const values = [3, 1, 2];
    gini(values);
    expect(values).toEqual([3, 1, 2]);
  });

  it('rejects negative and non-finite values', () => {
    expect(() => gini([1, -1])).toThrow(/finite and >= 0/);
    expect(() => gini([1, Number.NaN])).toThrow(/finite and >= 0/);
  });
});

describe('jain', () => {
  it('is 1 for an equal split and 1/n when one value holds everything', () => {
    expect(jain([2, 2, 2])).toBeCloseTo(1, 12);
    expect(jain([0, 0, 0, 8])).toBeCloseTo(1 / 4, 12);
  });

  it('is (Σx)² / (n Σx²)', () => {
    expect(jain([1, 2, 3, 4])).toBeCloseTo(100 / 120, 12);
  });

  it('is null for an empty or all-zero input', () => {
    expect(jain([])).toBeNull();
    expect(jain([0, 0])).toBeNull();
  });

  it('rejects negative values', () => {
    expect(() => jain([1, -2])).toThrow(/finite and >= 0/);
  });
});
