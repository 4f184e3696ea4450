/**
 * Summaries of one run's per-task samples (latencies, waits, qualities), folded as they come in
 * memory independent of the number of tasks: means are exact (compensated sums in event order,
 * deterministic for a seed), quantiles come from a {@link SampleSketch} within
 * {@link QUANTILE_RELATIVE_ACCURACY} of the exact ones. Every function returns nulls for an empty
 * sample: no data, not zero.
 */
import { Moments } from './moments.js';
import { SampleSketch } from './sampleSketch.js';
import type { LatencyMetrics, QualityMetrics, WaitMetrics } from './types.js';

/** Mean and p50/p95/p99 of a sample of latencies. */
export function latencyMetrics(sample: SampleSketch): LatencyMetrics {
  return { mean: sample.mean(), p50: sample.quantile(0.5), p95: sample.quantile(0.95), p99: sample.quantile(0.99) };
}

/** Mean and p95 of a sample of waits. */
export function waitMetrics(sample: SampleSketch): WaitMetrics {
  return { mean: sample.mean(), p95: sample.quantile(0.95) };
}

/** Mean and population standard deviation of a sample of qualities. */
export function qualityMetrics(sample: Moments): QualityMetrics {
  return { mean: sample.mean(), stddev: sample.standardDeviation() };
}

/** `part / whole`, or null when `whole` is 0 (nothing to take a share of). */
export function ratio(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

/** The per-task samples of a set of tasks: completions' latencies and qualities, first starts' waits. */
export interface TaskSamples {
  /** Submit → completion of the completed tasks, seconds. */
  readonly latencies: SampleSketch;
  /** Submit → start of the first attempts, seconds. */
  readonly waits: SampleSketch;
  /** Qualities of the completions. */
  readonly qualities: Moments;
}

/** Samples of no task yet. */
export function emptySamples(): TaskSamples {
  return { latencies: new SampleSketch(), waits: new SampleSketch(), qualities: new Moments() };
}

/** The same samples, folding on independently of `samples`. */
export function copySamples(samples: TaskSamples): TaskSamples {
  return { latencies: samples.latencies.copy(), waits: samples.waits.copy(), qualities: samples.qualities.copy() };
}

/** Lets go of the sketches' buckets that hold no sample ({@link SampleSketch.compact}). */
export function compactSamples(samples: TaskSamples): void {
  samples.latencies.compact();
  samples.waits.compact();
}

/** Adds every sample of `from` to `into`. */
export function mergeSamples(into: TaskSamples, from: TaskSamples): void {
  into.latencies.merge(from.latencies);
  into.waits.merge(from.waits);
  into.qualities.merge(from.qualities);
}
