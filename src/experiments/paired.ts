/**
 * Paired differences on common random numbers. Replication r of every strategy (and of every
 * cell, and of a re-run against a baseline) draws from the same random streams, so the
 * per-replication differences d_r = a_r − b_r cancel the noise both runs share; their mean
 * and its Student-t interval say whether a differs from b. See docs/EXPERIMENTS.md.
 */
import { mean, sampleStandardDeviation } from 'simple-statistics';
import { halfWidth95 } from '../metrics/summary.js';
import type { PairedDifference } from './types.js';

/** The difference of two identical samples: zero, not significant. */
export const NO_DIFFERENCE: PairedDifference = Object.freeze({ mean: 0, halfWidth: 0, significant: false, n: 0 });

/**
 * Pairs needed before identical nonzero differences count as significant. Their t interval has
 * zero width and says nothing; the exact sign test does: n differences all of one sign have
 * two-sided p = 2^(1 − n) under "no difference", below 0.05 from n = 6 on.
 */
export const SIGN_TEST_MIN_PAIRS = 6;

/**
 * Relative size below which floating point is rounding, not a difference: two values closer
 * than this share of the larger are equal (one figure summed in another order, as a standard
 * deviation over the same qualities completed in another order), and differences whose sample
 * standard deviation is below this share of their mean are identical (a − b rounded). In the
 * library's runs rounding stays near 10⁻¹⁵ of the values, real differences start near 10⁻⁷.
 */
const ROUNDING_RELATIVE = 1e-9;

/**
 * The paired difference `a − b`, pairing `a[r]` with `b[r]` and skipping pairs where either
 * is null; two values equal up to rounding differ by 0.
 *
 * Significant when the 95% interval mean ± t(0.975, n − 1) · sd / √n excludes 0, except on a
 * degenerate interval: one pair (n < 2) is never significant, and identical differences
 * (sd = 0, up to rounding; the half-width is then reported as 0) are significant only when
 * nonzero and there are at least {@link SIGN_TEST_MIN_PAIRS} of them (the sign test).
 * @throws Error when the samples differ in length (replications must pair one to one)
 */
export function pairedDifference(a: readonly (number | null)[], b: readonly (number | null)[]): PairedDifference {
  if (a.length !== b.length) throw new Error(`pairedDifference: ${a.length} values against ${b.length}`);
  const diffs: number[] = [];
  for (let r = 0; r < a.length; r++) {
    const x = a[r]!;
    const y = b[r]!;
    if (x !== null && y !== null) diffs.push(Math.abs(x - y) <= ROUNDING_RELATIVE * Math.max(Math.abs(x), Math.abs(y)) ? 0 : x - y);
  }
  const n = diffs.length;
  if (n === 0) return { mean: null, halfWidth: null, significant: false, n: 0 };
  const average = mean(diffs);
  if (n === 1) return { mean: average, halfWidth: 0, significant: false, n };
  if (sampleStandardDeviation(diffs) <= ROUNDING_RELATIVE * Math.abs(average)) {
    return { mean: average, halfWidth: 0, significant: average !== 0 && n >= SIGN_TEST_MIN_PAIRS, n };
  }
  const halfWidth = halfWidth95(diffs)!;
  return { mean: average, halfWidth, significant: Math.abs(average) > halfWidth, n };
}
