/**
 * The range each metric can take, and 95% intervals kept inside it. Every metric is ≥ 0
 * (times, counts, rates); shares, indexes and rates of success are in [0, 1] too
 * (`src/metrics/types.ts`). A Student-t interval mean ± half-width is symmetric and knows
 * nothing of these bounds, so with few replications or a mean near a bound it can reach below
 * 0 or above 1 (`0.996 ± 0.019`); the part outside the range holds no possible value, so the
 * interval reported is the t interval clipped to the range.
 */
import { parseClassPath } from './classes.js';

/** The closed range a metric's values lie in (`max` may be `Infinity`). */
export interface MetricRange {
  /** Least value. */
  readonly min: number;
  /** Greatest value. */
  readonly max: number;
}

/** Shares, Gini and Jain indexes, quality, utilization: [0, 1]. */
export const UNIT_RANGE: MetricRange = Object.freeze({ min: 0, max: 1 });

/** Every other metric (seconds, counts, rates): [0, ∞). */
export const NON_NEGATIVE_RANGE: MetricRange = Object.freeze({ min: 0, max: Number.POSITIVE_INFINITY });

/** The metric leaves (dotted paths) bounded by [0, 1], from the definitions in `types.ts`. */
const UNIT_METRICS: ReadonlySet<string> = new Set([
  'gini.tasks', 'gini.tokens', 'jain.tasks', 'jain.tokens', 'tenantFairness.jain',
  'deadlineSuccess', 'contextWaste', 'contextHitRate', 'quality.mean', 'quality.stddev',
  'priorityRespect', 'utilization', 'retrySuccess', 'workflows.deadlineSuccess', 'share.demand', 'share.service',
]);

/**
 * The range of the metric at dotted `path` (`latency.p95`, `contextWaste`); a class's metric
 * (`byPriority.0.deadlineSuccess`) has the range of its pooled namesake.
 */
export function metricRange(path: string): MetricRange {
  const leaf = parseClassPath(path)?.leaf ?? path;
  return UNIT_METRICS.has(leaf) ? UNIT_RANGE : NON_NEGATIVE_RANGE;
}

/** A 95% confidence interval of a mean, inside the metric's range. */
export interface Interval {
  /** Lower bound. */
  readonly low: number;
  /** Upper bound. */
  readonly high: number;
}

/** mean ± halfWidth clipped to `range` (the mean itself always lies in the range). */
export function clippedInterval(mean: number, halfWidth: number, range: MetricRange): Interval {
  return { low: Math.max(range.min, mean - halfWidth), high: Math.min(range.max, mean + halfWidth) };
}

/**
 * Largest value a metric read back from a file may hold: no run measures more (a count or a
 * number of seconds beyond 2^53 is not even exact), and larger ones overflow the variance of a
 * few values (1e308² is infinite), giving NaN half-widths.
 */
export const MAX_MEASURED = Number.MAX_SAFE_INTEGER;

/**
 * Why `value`, read from a file as the metric at dotted `path`, is no value a run can measure
 * (`expected null or a number in [0, 1] …, got 1.5`), or undefined when it is one: null, or a
 * number in the metric's range and at most {@link MAX_MEASURED}.
 */
export function unmeasurable(path: string, value: unknown): string | undefined {
  const range = metricRange(path);
  const max = Math.min(range.max, MAX_MEASURED);
  if (value === null || (typeof value === 'number' && value >= range.min && value <= max)) return undefined;
  const got = typeof value === 'number' ? String(value) : value === undefined ? 'nothing' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : JSON.stringify(value);
  return `expected null or a number in [${range.min}, ${max}] (the metric's range), got ${got}`;
}
