/**
 * Summaries of one run's per-task samples (latencies, waits, qualities), held in sorted
 * Float64Arrays. Every function returns nulls for an empty sample: no data, not zero.
 */
import { mean, quantileSorted, standardDeviation } from 'simple-statistics';
import type { LatencyMetrics, QualityMetrics, WaitMetrics } from './types.js';

/**
 * simple-statistics types its inputs as `number[]`, but its mean, variance and quantile
 * functions only read `length` and numeric indexes, which a Float64Array has: viewing the
 * buffer saves copying up to millions of samples into an Array.
 */
function asNumbers(values: Float64Array): readonly number[] {
  return values as unknown as readonly number[];
}

/** Mean and p50/p95/p99 of a sorted sample of latencies. */
export function latencyMetrics(sorted: Float64Array): LatencyMetrics {
  if (sorted.length === 0) return { mean: null, p50: null, p95: null, p99: null };
  const values = asNumbers(sorted);
  return {
    mean: mean(values),
    p50: quantileSorted(values, 0.5),
    p95: quantileSorted(values, 0.95),
    p99: quantileSorted(values, 0.99),
  };
}

/** Mean and p95 of a sorted sample of waits. */
export function waitMetrics(sorted: Float64Array): WaitMetrics {
  if (sorted.length === 0) return { mean: null, p95: null };
  const values = asNumbers(sorted);
  return { mean: mean(values), p95: quantileSorted(values, 0.95) };
}

/** Mean and population standard deviation of a sample of qualities (sorted for stable sums). */
export function qualityMetrics(sorted: Float64Array): QualityMetrics {
  if (sorted.length === 0) return { mean: null, stddev: null };
  const values = asNumbers(sorted);
  return { mean: mean(values), stddev: standardDeviation(values) };
}

/** `part / whole`, or null when `whole` is 0 (nothing to take a share of). */
export function ratio(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}
