/**
 * The scenario's `regress` section: which ranked metrics `fleetsim regress` checks and how much
 * worse each may get, every tolerance spelled out (relative and absolute). Metrics of a class
 * (`byPriority.0.deadlineSuccess`) are checked only when `tolerances` names them.
 */
import { RANKED_METRIC_PATHS } from '../metrics/directions.js';
import { checkClassPath } from './classes.js';
import { InputError, didYouMean, formatPath } from './errors.js';
import type { RegressEntry } from './schema.js';
import type { MetricTolerance, RegressPolicy, WorkloadConfig } from './types.js';

/**
 * The policy of a validated `regress` section.
 * @param workload - what tells which classes of task there can be
 * @throws InputError for a metric name that is not a ranked metric (pooled, or of a class the
 * workload can produce), or one that is both ignored and given a tolerance
 */
export function buildRegressPolicy(entry: RegressEntry, workload: WorkloadConfig, file: string): RegressPolicy {
  const known = RANKED_METRIC_PATHS;
  const classChecks: string[] = [];
  const check = (name: string, path: (string | number)[]): void => {
    if (known.includes(name)) return;
    if (path[1] === 'tolerances' && checkClassPath(name, known, workload, file, formatPath(path)) !== undefined) {
      classChecks.push(name);
      return;
    }
    throw new InputError(file, formatPath(path), `unknown metric "${name}"${didYouMean(name, known)}; metrics with a direction: ${known.join(', ')}`);
  };
  entry.ignore.forEach((name, i) => check(name, ['regress', 'ignore', i]));
  for (const name of Object.keys(entry.tolerances)) {
    check(name, ['regress', 'tolerances', name]);
    if (entry.ignore.includes(name)) throw new InputError(file, formatPath(['regress', 'tolerances', name]), 'is also in regress.ignore: keep one of the two');
  }
  const checks = [...known.filter((metric) => !entry.ignore.includes(metric)), ...classChecks].map((metric): MetricTolerance => {
    const given = entry.tolerances[metric];
    if (typeof given === 'number') return { metric, relative: given, absolute: 0 };
    return { metric, relative: given?.relative ?? entry.relativeThreshold, absolute: given?.absolute ?? 0 };
  });
  return { checks };
}
