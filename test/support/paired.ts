/**
 * Paired comparisons of two strategies on common random numbers, for tests that assert one beats
 * the other: replication r of both saw the same tasks at the same times and the same luck per
 * attempt, so the per-replication differences are paired, and a gain is shown when the mean
 * difference exceeds its own 95% confidence half-width (t(0.975, n−1)·s/√n). No magic margin.
 */
import { halfWidth95 } from '../../src/metrics/summary.js';
import type { RunMetrics } from '../../src/metrics/types.js';
import type { ExperimentResult } from '../../src/experiments/runResult.js';

/** The mean paired difference (`better` − `baseline`) of a metric, its half-width and the differences. */
export interface PairedGain {
  /** The mean of the paired differences. */
  readonly mean: number;
  /** The mean's 95% confidence half-width, t(0.975, n−1)·s/√n. */
  readonly halfWidth: number;
  /** Each replication's difference, in replication order. */
  readonly diffs: readonly number[];
}

/** Per-replication metrics of the strategy labelled `label` in `result`. */
export function runsOf(result: ExperimentResult, label: string): readonly RunMetrics[] {
  const found = result.results.find((r) => r.strategy === label);
  if (found === undefined) throw new Error(`no strategy labelled ${label} in the experiment`);
  return found.perReplication;
}

/** `metric(better) − metric(baseline)`, paired by replication. */
export function pairedGain(result: ExperimentResult, better: string, baseline: string, metric: (m: RunMetrics) => number | null): PairedGain {
  const base = runsOf(result, baseline);
  const diffs = runsOf(result, better).map((m, r) => value(metric(m)) - value(metric(base[r]!)));
  const mean = diffs.reduce((a, b) => a + b, 0) / diffs.length;
  const halfWidth = halfWidth95(diffs);
  if (halfWidth === null) throw new Error('a paired comparison needs at least two replications');
  return { mean, halfWidth, diffs };
}

function value(x: number | null): number {
  if (x === null) throw new Error('metric is null in a paired comparison');
  return x;
}
