/**
 * Human-readable output: the comparison table of `fleetsim run` (one row per strategy, the
 * headline metrics with their 95% half-widths).
 */
import type { ExperimentResult, StrategyResult } from '../sim/experiment.js';

interface Column {
  readonly title: string;
  readonly value: (r: StrategyResult) => [number | null, number | null];
  /** Digits after the point. */
  readonly digits: number;
}

const COLUMNS: readonly Column[] = [
  { title: 'latency p95 (s)', value: (r) => [r.metrics.latency.p95, r.ci95.latency.p95], digits: 2 },
  { title: 'latency mean (s)', value: (r) => [r.metrics.latency.mean, r.ci95.latency.mean], digits: 2 },
  { title: 'wait mean (s)', value: (r) => [r.metrics.wait.mean, r.ci95.wait.mean], digits: 2 },
  { title: 'gini tasks', value: (r) => [r.metrics.gini.tasks, r.ci95.gini.tasks], digits: 3 },
  { title: 'deadline ok', value: (r) => [r.metrics.deadlineSuccess, r.ci95.deadlineSuccess], digits: 3 },
  { title: 'ctx waste', value: (r) => [r.metrics.contextWaste, r.ci95.contextWaste], digits: 3 },
  { title: 'quality', value: (r) => [r.metrics.quality.mean, r.ci95.quality.mean], digits: 3 },
  { title: 'util', value: (r) => [r.metrics.utilization, r.ci95.utilization], digits: 3 },
  { title: 'completed', value: (r) => [r.metrics.tasks.completed, r.ci95.tasks.completed], digits: 0 },
];

/** `value ± halfWidth`, or `-` when there is no data. */
export function withHalfWidth(value: number | null, halfWidth: number | null, digits: number): string {
  if (value === null) return '-';
  const main = value.toFixed(digits);
  return halfWidth === null || halfWidth === 0 ? main : `${main} ± ${halfWidth.toFixed(digits)}`;
}

/** The comparison table, with a title line naming the scenario, seed and replications. */
export function comparisonTable(result: ExperimentResult): string {
  const header = ['strategy', ...COLUMNS.map((c) => c.title)];
  const rows = result.results.map((r) => [r.strategy, ...COLUMNS.map((c) => withHalfWidth(...c.value(r), c.digits))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  const title = `${result.scenario}: seed ${result.seed}, ${result.replications} replication${result.replications === 1 ? '' : 's'}, ± = 95% CI half-width`;
  return [title, line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}
