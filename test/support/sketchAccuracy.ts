import { expect } from 'vitest';
import { QUANTILE_RELATIVE_ACCURACY } from '../../src/metrics/sampleSketch.js';

/**
 * A sketched quantile is within the sketch's relative accuracy of the exact one (with room for
 * the last bits of floating-point rounding).
 */
export function expectQuantile(actual: number | null | undefined, exact: number): void {
  expect(actual).toBeTypeOf('number');
  expect(Math.abs(actual! - exact)).toBeLessThanOrEqual(QUANTILE_RELATIVE_ACCURACY * Math.abs(exact) * (1 + 1e-9));
}
