/**
 * Targets (SLOs) judged on a cell's results: for each strategy and each check, the metric's
 * mean and 95% confidence interval over replications, and whether the interval lies within the
 * target. Judging on the interval's conservative bound (the upper bound against `max`, the lower
 * against `min`) means a pass says the target is met with 95% confidence, not merely on
 * average. Pure functions of the summary document's data, for every command that shows them.
 */
import { clippedInterval, metricRange, UNIT_RANGE, type MetricRange } from '../metrics/ranges.js';
import { mean } from 'simple-statistics';
import { halfWidth95 } from '../metrics/summary.js';
import { parseClassPath } from '../metrics/classes.js';
import { CLASS_TARGET_METRICS, COMPLETION_METRIC, targetMetricValue } from '../metrics/targetMetrics.js';
import type { TargetCheck, TargetPolicy } from '../scenario/types.js';
import type { CellResult, CellTargets, ExperimentDocument, StrategyOutcome, StrategyTargets, TargetOutcome } from './types.js';

/** Judges every strategy of a cell (in the cell's order) against `policy`. */
export function evaluateTargets(policy: TargetPolicy, strategies: readonly StrategyOutcome[]): CellTargets {
  const results = strategies.map((outcome): StrategyTargets => {
    const checks = policy.checks.map((check) => judge(check, outcome));
    return { strategy: outcome.strategy, targeted: policy.strategies.includes(outcome.strategy), pass: checks.every((c) => c.pass), checks };
  });
  return { strategies: [...policy.strategies], checks: policy.checks.map(({ metric, min, max }) => ({ metric, min, max })), results };
}

/** The range of a target metric: the derived `completion` (pooled or a class's) is a share, like the unit metrics. */
export function targetMetricRange(metric: string): MetricRange {
  const leaf = parseClassPath(metric, CLASS_TARGET_METRICS)?.leaf ?? metric;
  return leaf === COMPLETION_METRIC ? UNIT_RANGE : metricRange(leaf);
}

/** One check of one strategy, from its replications. */
export function judge(check: TargetCheck, outcome: Pick<StrategyOutcome, 'perReplication'>): TargetOutcome {
  const values = outcome.perReplication.map((run) => targetMetricValue(run, check.metric)).filter((v): v is number => v !== null);
  const { metric, min, max } = check;
  if (values.length === 0) return { metric, min, max, mean: null, halfWidth: null, low: null, high: null, pass: false };
  const average = mean(values);
  const halfWidth = halfWidth95(values)!;
  // The bounds are clipped to the values the metric can take, as in every table.
  const { low, high } = clippedInterval(average, halfWidth, targetMetricRange(metric));
  const pass = (min === null || low >= min) && (max === null || high <= max);
  return { metric, min, max, mean: average, halfWidth, low, high, pass };
}

/** A targeted strategy that missed a target, and where. */
export interface TargetMiss {
  /** Index of the cell. */
  readonly cell: number;
  /** Strategy label. */
  readonly strategy: string;
  /** Dotted paths of the metrics whose target it missed. */
  readonly metrics: readonly string[];
}

/**
 * The targeted strategies that missed a target, in every cell of `document` (empty: all met).
 * A cell without targets contributes nothing.
 */
export function targetMisses(document: Pick<ExperimentDocument, 'cells'>): TargetMiss[] {
  return document.cells.flatMap((cell: CellResult) => (cell.targets?.results ?? [])
    .filter((result) => result.targeted && !result.pass)
    .map((result) => ({ cell: cell.index, strategy: result.strategy, metrics: result.checks.filter((c) => !c.pass).map((c) => c.metric) })));
}

/** `≥ 0.95`, `≤ 0.3` or `0.1 … 0.3`: a target's bounds as people write them. */
export function targetText(check: TargetCheck): string {
  if (check.min !== null && check.max !== null) return `${check.min} … ${check.max}`;
  return check.min !== null ? `≥ ${check.min}` : `≤ ${String(check.max)}`;
}
