import { describe, expect, it } from 'vitest';
import { NON_NEGATIVE_RANGE, UNIT_RANGE } from '../../src/metrics/ranges.js';
import { difference, meanWithHalfWidth } from '../../src/report/tables.js';

describe('interval and difference texts', () => {
  it('shows mean ± half-width while the interval stays in the metric\'s range, else the clipped bounds', () => {
    expect(meanWithHalfWidth(0.5, 0.1, 3, UNIT_RANGE)).toBe('0.500 ± 0.100');
    expect(meanWithHalfWidth(0.996, 0.019, 3, UNIT_RANGE)).toBe('0.996 [0.977, 1.000]');
    expect(meanWithHalfWidth(0.887, 1.126, 3, UNIT_RANGE)).toBe('0.887 [0.000, 1.000]');
    expect(meanWithHalfWidth(11, 12.71, 2, NON_NEGATIVE_RANGE)).toBe('11.00 [0.00, 23.71]');
    expect(meanWithHalfWidth(3, 0, 2, NON_NEGATIVE_RANGE)).toBe('3.00');
    expect(meanWithHalfWidth(null, null, 2, NON_NEGATIVE_RANGE)).toBe('-');
  });

  it('never prints a nonzero half-width as zero', () => {
    expect(meanWithHalfWidth(0.5, 0.0004, 3, UNIT_RANGE)).toBe('0.500 ± <0.001');
    expect(difference({ mean: 0.013, halfWidth: 0.0004, significant: true, n: 3 }, 3)).toBe('+0.013 ± <0.001 *');
  });

  it('shows a degenerate interval as ± 0, unstarred, and a single pair without a half-width', () => {
    expect(difference({ mean: 0.013, halfWidth: 0, significant: false, n: 3 }, 3)).toBe('+0.013 ± 0');
    expect(difference({ mean: 3, halfWidth: 0, significant: false, n: 1 }, 1)).toBe('+3.0');
    expect(difference({ mean: 0, halfWidth: 0, significant: false, n: 3 }, 2)).toBe('0.00');
    expect(difference({ mean: null, halfWidth: null, significant: false, n: 0 }, 2)).toBe('-');
  });
});
