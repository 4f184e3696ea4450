/**
 * Paired differences on common random numbers. Replication r of every strategy (and of every
 * cell, and of a re-run against a baseline) draws from the same random streams, so the
 * per-replication differences d_r = a_r − b_r cancel the noise both runs share; their mean
 * and its Student-t interval say whether a differs from b. See docs/EXPERIMENTS.md.
 */
import { binomialDistribution, mean, sampleStandardDeviation } from 'simple-statistics';
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

/** Two-sided level of every significance decision here (the intervals are 95%). */
const SIGNIFICANCE_LEVEL = 0.05;

/**
 * The exact two-sided sign test's p-value for `positive` differences above 0 and `negative`
 * below (zeros left out): under "no difference" each sign is a fair coin, so p is twice the
 * probability of a split at least as lopsided, 2 · P(Bin(k, ½) ≤ min), capped at 1.
 */
export function signTestP(positive: number, negative: number): number {
  const k = positive + negative;
  if (k === 0) return 1;
  const cells = binomialDistribution(k, 0.5);
  if (cells === undefined) throw new Error(`signTestP: no binomial table for ${k} trials`);
  let tail = 0;
  for (let i = 0; i <= Math.min(positive, negative); i++) tail += cells[i] ?? 0;
  return Math.min(1, 2 * tail);
}

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
 * Significant when the 95% interval mean ± t(0.975, n − 1) · sd / √n excludes 0, except where
 * that interval cannot be trusted: one pair (n < 2) is never significant; identical differences
 * (sd = 0, up to rounding; the half-width is then reported as 0) are significant only when
 * nonzero and there are at least {@link SIGN_TEST_MIN_PAIRS} of them (the sign test); and when
 * at least half the differences are exactly 0 (a metric that most replications leave where it
 * was, so the t interval's normal approximation fails), the exact sign test over the nonzero
 * ones ({@link signTestP}) must agree.
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
  return { mean: average, halfWidth, significant: Math.abs(average) > halfWidth && !mostlyTiesWithoutSign(diffs), n };
}

/** At least half of `diffs` are 0 and the others' signs do not pass the sign test. */
function mostlyTiesWithoutSign(diffs: readonly number[]): boolean {
  let positive = 0;
  let negative = 0;
  for (const d of diffs) {
    if (d > 0) positive++;
    else if (d < 0) negative++;
  }
  if (2 * (positive + negative) > diffs.length) return false;
  return signTestP(positive, negative) >= SIGNIFICANCE_LEVEL;
}
