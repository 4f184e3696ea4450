/**
 * The scenario's `targets` section: metric names checked against the metrics a target may name
 * (a class's, `byPriority.0.deadlineSuccess`, only for a class the workload's tasks can be in),
 * bounds that make sense, strategies that the scenario lists.
 */
import { CLASS_TARGET_METRICS, TARGET_METRICS } from '../metrics/targetMetrics.js';
import { checkClassPath } from './classes.js';
import { InputError, didYouMean, formatPath } from './errors.js';
import type { TargetsEntry } from './schema.js';
import type { StrategyChoice, TargetPolicy, WorkloadConfig } from './types.js';

/**
 * The policy of a validated `targets` section, or null when the file has none.
 * @param strategies - the file's own strategies (targets name them by label)
 * @param workload - what tells which classes of task there can be
 * @throws InputError for an unknown metric, a class no task of the workload can be in, a check
 * with no bound or with min > max, or a strategy the scenario does not list
 */
export function buildTargetPolicy(entry: TargetsEntry | undefined, strategies: readonly StrategyChoice[], workload: WorkloadConfig, file: string): TargetPolicy | null {
  if (entry === undefined) return null;
  const labels = strategies.map((choice) => choice.label);
  entry.strategies.forEach((name, i) => {
    if (labels.includes(name)) return;
    throw new InputError(file, formatPath(['targets', 'strategies', i]), `"${name}" is not among the scenario's strategies${didYouMean(name, labels)}; strategies: ${labels.join(', ')}`);
  });
  const checks = entry.checks.map((check, i) => {
    const path = (field: string): string => formatPath(['targets', 'checks', i, field]);
    checkMetric(check.metric, workload, file, path('metric'));
    if (check.min === undefined && check.max === undefined) {
      throw new InputError(file, formatPath(['targets', 'checks', i]), 'expected min, max or both: a target needs a bound');
    }
    if (check.min !== undefined && check.max !== undefined && check.min > check.max) {
      throw new InputError(file, path('min'), `expected at most max (${check.max}), got ${check.min}: no value could meet the target`);
    }
    return { metric: check.metric, min: check.min ?? null, max: check.max ?? null };
  });
  return { strategies: [...entry.strategies], checks };
}

/** A pooled metric a target may name, or a class metric of a class the workload can produce. */
function checkMetric(metric: string, workload: WorkloadConfig, file: string, field: string): void {
  if (checkClassPath(metric, CLASS_TARGET_METRICS, workload, file, field) !== undefined || TARGET_METRICS.includes(metric)) return;
  throw new InputError(file, field, `unknown metric "${metric}"${didYouMean(metric, TARGET_METRICS)}; metrics: ${TARGET_METRICS.join(', ')}, or byType|byPriority|byTenant.<class>.<metric>`);
}
