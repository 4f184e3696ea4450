/**
 * Paired differences on common random numbers. Replication r of every strategy (and of every
 * cell, and of a re-run against a baseline) draws from the same random streams, so the
 * per-replication differences d_r = a_r − b_r cancel the noise both runs share; their mean
 * and its Student-t interval say whether a differs from b. See docs/EXPERIMENTS.md.
 */
import { mean } from 'simple-statistics';
import { halfWidth95 } from '../metrics/summary.js';
import type { PairedDifference } from './types.js';

/** The difference of two identical samples: zero, not significant. */
export const NO_DIFFERENCE: PairedDifference = Object.freeze({ mean: 0, halfWidth: 0, significant: false, n: 0 });

/**
 * The paired difference `a − b`, pairing `a[r]` with `b[r]` and skipping pairs where either
 * is null. Significant when there are at least two pairs and the 95% interval
 * mean ± t(0.975, n − 1) · sd / √n excludes 0; with identical differences (sd = 0) any nonzero
 * mean is significant, since every replication moved by the same amount.
 * @throws Error when the samples differ in length (replications must pair one to one)
 */
export function pairedDifference(a: readonly (number | null)[], b: readonly (number | null)[]): PairedDifference {
  if (a.length !== b.length) throw new Error(`pairedDifference: ${a.length} values against ${b.length}`);
  const diffs: number[] = [];
  for (let r = 0; r < a.length; r++) {
    const x = a[r]!;
    const y = b[r]!;
    if (x !== null && y !== null) diffs.push(x - y);
  }
  if (diffs.length === 0) return { mean: null, halfWidth: null, significant: false, n: 0 };
  const average = mean(diffs);
  const halfWidth = halfWidth95(diffs)!;
  const significant = diffs.length >= 2 && Math.abs(average) > halfWidth;
  return { mean: average, halfWidth, significant, n: diffs.length };
}
