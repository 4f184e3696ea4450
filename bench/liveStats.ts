/** Latency quantiles of the live benches (simple-statistics on sorted samples). */
import { quantileSorted } from 'simple-statistics';

/** p50, p90, p99 and max, in the samples' unit; NaN when there are none. */
export interface Quantiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** The quantiles of `values`. */
export function quantiles(values: readonly number[]): Quantiles {
  if (values.length === 0) return { p50: NaN, p90: NaN, p99: NaN, max: NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const q = (p: number): number => quantileSorted(sorted, p);
  return { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: sorted[sorted.length - 1]! };
}
