/**
 * Human-readable output: the comparison table of `fleetsim run` (one row per strategy, the
 * headline metrics with their 95% half-widths), and a table of delegation and operations figures
 * when a scenario has any.
 */
import type { ExperimentResult } from '../experiments/runResult.js';
import { metricValue } from '../metrics/directions.js';
import { replicationWarnings } from '../experiments/warnings.js';
import { NON_NEGATIVE_RANGE, UNIT_RANGE, type MetricRange } from '../metrics/ranges.js';
import { INTERVAL_LEGEND, meanWithHalfWidth, textTable, type Table } from '../report/tables.js';
import { legendText, METRIC_MEANINGS, nameOfLabel, variantEntries } from './legend.js';
import { counted } from '../counted.js';

/** A figure of a run's metrics as the terminal tables show it: its column title, meaning and precision. */
export interface Figure {
  /** The column's title (or the row's name in `fleetsim status`). */
  readonly title: string;
  /** What the figure means, for the legend under the table. */
  readonly meaning: string;
  /** Dotted path of the metric (src/metrics/types.ts), as {@link metricValue} reads it. */
  readonly path: string;
  /** Digits after the point. */
  readonly digits: number;
  /** The values the metric can take (an interval is clipped to it). @defaultValue [0, ∞) */
  readonly range?: MetricRange;
}

/** A figure's text: `-` for no data (null), else the value, with its 95% half-width when one is given. */
export function figureText(figure: Figure, value: number | null, halfWidth: number | null = null): string {
  return meanWithHalfWidth(value, halfWidth, figure.digits, figure.range ?? NON_NEGATIVE_RANGE);
}

/** The headline figures of `fleetsim run`'s comparison table, in its column order. */
export const HEADLINE_FIGURES: readonly Figure[] = [
  { title: 'latency p95 (s)', meaning: METRIC_MEANINGS['latency.p95']!, path: 'latency.p95', digits: 2 },
  { title: 'latency mean (s)', meaning: METRIC_MEANINGS['latency.mean']!, path: 'latency.mean', digits: 2 },
  { title: 'wait mean (s)', meaning: METRIC_MEANINGS['wait.mean']!, path: 'wait.mean', digits: 2 },
  { title: 'gini tasks', meaning: METRIC_MEANINGS['gini.tasks']!, path: 'gini.tasks', digits: 3, range: UNIT_RANGE },
  { title: 'deadline ok', meaning: METRIC_MEANINGS.deadlineSuccess!, path: 'deadlineSuccess', digits: 3, range: UNIT_RANGE },
  { title: 'ctx waste', meaning: METRIC_MEANINGS.contextWaste!, path: 'contextWaste', digits: 3, range: UNIT_RANGE },
  { title: 'quality', meaning: METRIC_MEANINGS['quality.mean']!, path: 'quality.mean', digits: 3, range: UNIT_RANGE },
  { title: 'util', meaning: METRIC_MEANINGS.utilization!, path: 'utilization', digits: 3, range: UNIT_RANGE },
  { title: 'completed', meaning: METRIC_MEANINGS['tasks.completed']!, path: 'tasks.completed', digits: 0 },
];

/**
 * Figures of delegation, workflows, retries and fleet operations: shown below the headline table
 * when any strategy has them (a column whose figure is 0 or missing for every strategy is left out).
 */
const OPERATION_FIGURES: readonly Figure[] = [
  { title: 'offers', meaning: 'offers of tasks made to agents (a broadcast to n agents is n offers)', path: 'delegation.offersMade', digits: 0 },
  { title: 'refused', meaning: 'offers turned down, or withdrawn unanswered', path: 'delegation.offersRejected', digits: 0 },
  { title: 're-offers/task', meaning: 'rounds of offers after the first, per task offered at all', path: 'delegation.reOffersPerTask', digits: 3 },
  { title: 'broadcast dups', meaning: 'broadcast claims that lost to an earlier one (their setup is context waste)', path: 'delegation.broadcastDuplicates', digits: 0 },
  { title: 'retry success', meaning: 'of tasks that retried, the share that completed in the end', path: 'retrySuccess', digits: 3, range: UNIT_RANGE },
  { title: 'workflows', meaning: 'workflows completed', path: 'workflows.completed', digits: 0 },
  { title: 'workflow p95 (s)', meaning: '95th percentile of workflow latency (first submission to last completion), seconds', path: 'workflows.latency.p95', digits: 2 },
  { title: 'workflow deadline ok', meaning: 'share of workflows with a deadline completed by it', path: 'workflows.deadlineSuccess', digits: 3, range: UNIT_RANGE },
  { title: 'scale-ups', meaning: 'autoscaler actions that asked for an agent', path: 'fleet.scaleUps', digits: 1 },
  { title: 'scale-downs', meaning: 'autoscaler actions that set an agent draining', path: 'fleet.scaleDowns', digits: 1 },
  { title: 'agent-s', meaning: 'agent-seconds paid for (draining and provisioning agents included)', path: 'fleet.agentSeconds', digits: 0 },
  { title: 'draining s', meaning: 'seconds agents spent draining, summed over agents', path: 'fleet.drainingSeconds', digits: 1 },
];

/** Columns of the operations table worth showing: some strategy has a figure other than 0. */
function operationColumns(result: ExperimentResult): Figure[] {
  const shown = OPERATION_FIGURES.filter((c) => result.results.some((r) => {
    const value = metricValue(r.metrics, c.path);
    return value !== null && value !== 0;
  }));
  // Agent-seconds alone (every run pays for its agents) is no reason for the table.
  return shown.some((c) => c.title !== 'agent-s') ? shown : [];
}

/** One row per strategy: its label, then each column's `mean ± half-width` (laid out by `textTable`). */
function strategyTable(result: ExperimentResult, columns: readonly Figure[]): Table {
  return {
    header: ['strategy', ...columns.map((c) => c.title)],
    rows: result.results.map((r) => [r.strategy, ...columns.map((c) => figureText(c, metricValue(r.metrics, c.path), metricValue(r.ci95, c.path)))]),
    align: ['left', ...columns.map(() => 'right' as const)],
  };
}

/**
 * The comparison table, with a title line naming the scenario, seed and replications, a
 * second table of delegation and operations figures when the scenario produced any, and a
 * legend of the columns shown (and of the variants of a strategy listed twice).
 */
export function comparisonTable(result: ExperimentResult): string {
  const title = `${result.scenario}: seed ${result.seed}, ${counted(result.replications, 'replication')}, ${INTERVAL_LEGEND}`;
  const operations = operationColumns(result);
  const tail = operations.length > 0 ? `\ndelegation and operations:\n${textTable(strategyTable(result, operations))}` : '';
  const legend = legendText([
    ...[...HEADLINE_FIGURES, ...operations].map((c) => [c.title, c.meaning] as const),
    ['-', 'no data (e.g. no task has a deadline)'],
    ...variantEntries(result.results.map((r) => ({ label: r.strategy, name: nameOfLabel(r.strategy), params: r.params }))),
  ]);
  const warnings = replicationWarnings(result.replications).map((warning) => `warning: ${warning}\n`).join('');
  return `${title}\n${warnings}${textTable(strategyTable(result, HEADLINE_FIGURES))}${tail}\n${legend}`;
}
