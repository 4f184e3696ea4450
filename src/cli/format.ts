/**
 * Human-readable output: the comparison table of `fleetsim run` (one row per strategy, the
 * headline metrics with their 95% half-widths), and a table of delegation and operations figures
 * when a scenario has any.
 */
import type { ExperimentResult, StrategyResult } from '../experiments/runResult.js';
import { replicationWarnings } from '../experiments/warnings.js';
import { NON_NEGATIVE_RANGE, UNIT_RANGE, type MetricRange } from '../metrics/ranges.js';
import { INTERVAL_LEGEND, meanWithHalfWidth, textTable, type Table } from '../report/tables.js';
import { legendText, METRIC_MEANINGS, nameOfLabel, variantEntries } from './legend.js';
import { counted } from '../counted.js';

interface Column {
  readonly title: string;
  /** What the column means, for the legend under the table. */
  readonly meaning: string;
  readonly value: (r: StrategyResult) => [number | null, number | null];
  /** Digits after the point. */
  readonly digits: number;
  /** The values the metric can take (the interval is clipped to it). @defaultValue [0, ∞) */
  readonly range?: MetricRange;
}

const COLUMNS: readonly Column[] = [
  { title: 'latency p95 (s)', meaning: METRIC_MEANINGS['latency.p95']!, value: (r) => [r.metrics.latency.p95, r.ci95.latency.p95], digits: 2 },
  { title: 'latency mean (s)', meaning: METRIC_MEANINGS['latency.mean']!, value: (r) => [r.metrics.latency.mean, r.ci95.latency.mean], digits: 2 },
  { title: 'wait mean (s)', meaning: METRIC_MEANINGS['wait.mean']!, value: (r) => [r.metrics.wait.mean, r.ci95.wait.mean], digits: 2 },
  { title: 'gini tasks', meaning: METRIC_MEANINGS['gini.tasks']!, value: (r) => [r.metrics.gini.tasks, r.ci95.gini.tasks], digits: 3, range: UNIT_RANGE },
  { title: 'deadline ok', meaning: METRIC_MEANINGS.deadlineSuccess!, value: (r) => [r.metrics.deadlineSuccess, r.ci95.deadlineSuccess], digits: 3, range: UNIT_RANGE },
  { title: 'ctx waste', meaning: METRIC_MEANINGS.contextWaste!, value: (r) => [r.metrics.contextWaste, r.ci95.contextWaste], digits: 3, range: UNIT_RANGE },
  { title: 'quality', meaning: METRIC_MEANINGS['quality.mean']!, value: (r) => [r.metrics.quality.mean, r.ci95.quality.mean], digits: 3, range: UNIT_RANGE },
  { title: 'util', meaning: METRIC_MEANINGS.utilization!, value: (r) => [r.metrics.utilization, r.ci95.utilization], digits: 3, range: UNIT_RANGE },
  { title: 'completed', meaning: METRIC_MEANINGS['tasks.completed']!, value: (r) => [r.metrics.tasks.completed, r.ci95.tasks.completed], digits: 0 },
];

/**
 * Figures of delegation, workflows, retries and fleet operations: shown below the headline table
 * when any strategy has them (a column whose figure is 0 or missing for every strategy is left out).
 */
const OPERATION_COLUMNS: readonly Column[] = [
  { title: 'offers', meaning: 'offers of tasks made to agents (a broadcast to n agents is n offers)', value: (r) => [r.metrics.delegation.offersMade, r.ci95.delegation.offersMade], digits: 0 },
  { title: 'refused', meaning: 'offers turned down, or withdrawn unanswered', value: (r) => [r.metrics.delegation.offersRejected, r.ci95.delegation.offersRejected], digits: 0 },
  { title: 're-offers/task', meaning: 'rounds of offers after the first, per task offered at all', value: (r) => [r.metrics.delegation.reOffersPerTask, r.ci95.delegation.reOffersPerTask], digits: 3 },
  { title: 'broadcast dups', meaning: 'broadcast claims that lost to an earlier one (their setup is context waste)', value: (r) => [r.metrics.delegation.broadcastDuplicates, r.ci95.delegation.broadcastDuplicates], digits: 0 },
  { title: 'retry success', meaning: 'of tasks that retried, the share that completed in the end', value: (r) => [r.metrics.retrySuccess, r.ci95.retrySuccess], digits: 3, range: UNIT_RANGE },
  { title: 'workflows', meaning: 'workflows completed', value: (r) => [r.metrics.workflows.completed, r.ci95.workflows.completed], digits: 0 },
  { title: 'workflow p95 (s)', meaning: '95th percentile of workflow latency (first submission to last completion), seconds', value: (r) => [r.metrics.workflows.latency.p95, r.ci95.workflows.latency.p95], digits: 2 },
  { title: 'workflow deadline ok', meaning: 'share of workflows with a deadline completed by it', value: (r) => [r.metrics.workflows.deadlineSuccess, r.ci95.workflows.deadlineSuccess], digits: 3, range: UNIT_RANGE },
  { title: 'scale-ups', meaning: 'autoscaler actions that asked for an agent', value: (r) => [r.metrics.fleet.scaleUps, r.ci95.fleet.scaleUps], digits: 1 },
  { title: 'scale-downs', meaning: 'autoscaler actions that set an agent draining', value: (r) => [r.metrics.fleet.scaleDowns, r.ci95.fleet.scaleDowns], digits: 1 },
  { title: 'agent-s', meaning: 'agent-seconds paid for (draining and provisioning agents included)', value: (r) => [r.metrics.fleet.agentSeconds, r.ci95.fleet.agentSeconds], digits: 0 },
  { title: 'draining s', meaning: 'seconds agents spent draining, summed over agents', value: (r) => [r.metrics.fleet.drainingSeconds, r.ci95.fleet.drainingSeconds], digits: 1 },
];

/** Columns of the operations table worth showing: some strategy has a figure other than 0. */
function operationColumns(result: ExperimentResult): Column[] {
  const shown = OPERATION_COLUMNS.filter((c) => result.results.some((r) => {
    const [value] = c.value(r);
    return value !== null && value !== 0;
  }));
  // Agent-seconds alone (every run pays for its agents) is no reason for the table.
  return shown.some((c) => c.title !== 'agent-s') ? shown : [];
}

/** One row per strategy: its label, then each column's `mean ± half-width` (laid out by `textTable`). */
function strategyTable(result: ExperimentResult, columns: readonly Column[]): Table {
  return {
    header: ['strategy', ...columns.map((c) => c.title)],
    rows: result.results.map((r) => [r.strategy, ...columns.map((c) => meanWithHalfWidth(...c.value(r), c.digits, c.range ?? NON_NEGATIVE_RANGE))]),
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
    ...[...COLUMNS, ...operations].map((c) => [c.title, c.meaning] as const),
    ['-', 'no data (e.g. no task has a deadline)'],
    ...variantEntries(result.results.map((r) => ({ label: r.strategy, name: nameOfLabel(r.strategy), params: r.params }))),
  ]);
  const warnings = replicationWarnings(result.replications).map((warning) => `warning: ${warning}\n`).join('');
  return `${title}\n${warnings}${textTable(strategyTable(result, COLUMNS))}${tail}\n${legend}`;
}
