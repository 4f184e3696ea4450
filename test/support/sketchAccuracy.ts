import { expect } from 'vitest';
import { QUANTILE_RELATIVE_ACCURACY } from '../../src/metrics/sampleSketch.js';

/**
 * A sketched quantile is within the sketch's relative accuracy of the exact one, with room for
 * floating-point rounding: the last bits of a normal result (the relative 1e-9), and, where the
 * interpolation's result is subnormal (a rank share q so small that q·(n − 1) times the gap to
 * the next order statistic underflows), the subnormal grid's spacing. There no relative bound can
 * hold: both quantiles round to multiples of `Number.MIN_VALUE`, half a step each, so they may
 * differ by one step whatever their relative accuracy (fast-check found q = 1.5e-323).
 */
export function expectQuantile(actual: number | null | undefined, exact: number): void {
  expect(actual).toBeTypeOf('number');
  expect(Math.abs(actual! - exact)).toBeLessThanOrEqual(QUANTILE_RELATIVE_ACCURACY * Math.abs(exact) * (1 + 1e-9) + Number.MIN_VALUE);
}
