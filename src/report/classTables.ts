/**
 * Tables of the metrics by class (`--by type|priority|tenant`): per class and strategy, the
 * class's headline figures with their 95% half-widths, and in a compare the paired differences
 * of each class's ranked figures to the baseline. Rows of strings, as the other tables.
 */
import { BREAKDOWN_KEY, type ClassDimension, type ClassTable } from '../metrics/classes.js';
import { metricInfo, metricValue } from '../metrics/directions.js';
import { metricRange } from '../metrics/ranges.js';
import type { ClassedMetrics } from '../metrics/types.js';
import type { CellResult } from '../experiments/types.js';
import { difference, meanWithHalfWidth, type Table } from './tables.js';

/** A figure of a class: its dotted path in the class's metrics, column title and digits. */
export interface ClassColumn {
  /** Dotted path in the class's metrics. */
  readonly path: string;
  /** Column title. */
  readonly title: string;
  /** Decimal digits the figure is printed with. */
  readonly digits: number;
}

/** The columns of the class table, in the order of {@link ClassMetrics}. */
export const CLASS_COLUMNS: readonly ClassColumn[] = Object.freeze([
  { path: 'tasks.submitted', title: 'submitted', digits: 0 },
  { path: 'tasks.completed', title: 'completed', digits: 0 },
  ...['latency.mean', 'latency.p50', 'latency.p95', 'latency.p99', 'wait.mean', 'wait.p95', 'deadlineSuccess', 'contextWaste', 'quality.mean']
    .map((path) => ({ path, title: titleOf(path), digits: metricInfo(path)?.digits ?? 2 })),
  { path: 'share.demand', title: 'demand share', digits: 3 },
  { path: 'share.service', title: 'service share', digits: 3 },
  { path: 'share.ratio', title: 'service ÷ demand', digits: 3 },
]);

/** The columns compared to the baseline: the class figures that are ranked (they have a direction). */
export const CLASS_PAIRED_COLUMNS: readonly ClassColumn[] = Object.freeze(CLASS_COLUMNS.filter((column) => metricInfo(column.path) !== undefined));

/** One strategy's figures: means and 95% half-widths. */
export interface ClassedResult {
  /** Strategy label. */
  readonly strategy: string;
  /** Means over replications. */
  readonly metrics: ClassedMetrics;
  /** 95% confidence half-widths. */
  readonly ci95: ClassedMetrics;
}

/**
 * One row per class and strategy (classes in key order, strategies in run order): the class's
 * figures as `mean ± half-width`, clipped to each metric's range.
 */
export function classMeansTable(results: readonly ClassedResult[], dimension: ClassDimension): Table {
  const key = BREAKDOWN_KEY[dimension];
  const classes = Object.keys(results[0]?.metrics[key] ?? {});
  const rows = classes.flatMap((name) => results.map((result) => [
    name,
    result.strategy,
    ...CLASS_COLUMNS.map((column) => meanWithHalfWidth(
      classFigure(result.metrics[key], name, column.path), classFigure(result.ci95[key], name, column.path), column.digits, metricRange(column.path),
    )),
  ]));
  return { header: [dimension, 'strategy', ...CLASS_COLUMNS.map((c) => c.title)], rows, align: ['left', 'left', ...CLASS_COLUMNS.map(() => 'right' as const)] };
}

/** One row per class and strategy: the paired difference of each ranked class figure to the cell's baseline. */
export function classPairedTable(cell: CellResult, dimension: ClassDimension): Table {
  const key = BREAKDOWN_KEY[dimension];
  const classes = Object.keys(cell.strategies[0]?.metrics[key] ?? {});
  const rows = classes.flatMap((name) => cell.strategies.map((outcome) => [
    name,
    outcome.strategy === cell.baseline ? `${outcome.strategy} (baseline)` : outcome.strategy,
    ...CLASS_PAIRED_COLUMNS.map((column) => {
      if (outcome.strategy === cell.baseline) return 'baseline';
      const paired = outcome.paired[`${key}.${name}.${column.path}`];
      return paired === undefined ? '-' : difference(paired, column.digits);
    }),
  ]));
  return {
    header: [dimension, 'strategy', ...CLASS_PAIRED_COLUMNS.map((c) => `Δ ${c.title}`)],
    rows,
    align: ['left', 'left', ...CLASS_PAIRED_COLUMNS.map(() => 'right' as const)],
  };
}

function classFigure(table: ClassTable, name: string, path: string): number | null {
  const metrics = table[name];
  return metrics === undefined ? null : metricValue(metrics, path);
}

function titleOf(path: string): string {
  return metricInfo(path)?.title ?? `${path.replace('.', ' ')} (s)`;
}
