/** Latency quantiles of the live benches (simple-statistics on sorted samples). */
import { quantileSorted } from 'simple-statistics';

/** p50, p90, p99 and max, in the samples' unit; NaN when there are none. */
export interface Quantiles {
  /** Median. */
  readonly p50: number;
  /** 90th percentile. */
  readonly p90: number;
  /** 99th percentile. */
  readonly p99: number;
  /** Largest sample. */
  readonly max: number;
}

/** The quantiles of `values`. */
export function quantiles(values: readonly number[]): Quantiles {
  if (values.length === 0) return { p50: NaN, p90: NaN, p99: NaN, max: NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const q = (p: number): number => quantileSorted(sorted, p);
  return { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: sorted[sorted.length - 1]! };
}
