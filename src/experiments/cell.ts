/**
 * One cell of an experiment, summarised: every strategy's mean, half-width and replications,
 * its paired difference to the baseline strategy on every metric, and the cell's leaderboards.
 * A pure function of the runs, so a shard and an unsharded run summarise a cell identically.
 */
import { leaderboardMetrics } from '../metrics/directions.js';
import { classKeysOf, classLeaves, metricLeaves, summarize, type ClassKeys, type MetricLeaf } from '../metrics/summary.js';
import type { RunMetrics } from '../metrics/types.js';
import type { StrategyChoice, TargetPolicy } from '../scenario/types.js';
import { leaderboards } from './leaderboard.js';
import { pairedDifference } from './paired.js';
import { evaluateTargets } from './targets.js';
import type { CellResult, ParamValue, PairedDifference, StrategyOutcome } from './types.js';

/** What ran in one cell: its strategies and, per strategy, the runs in replication order. */
export interface CellRuns {
  /** The cell's index in the grid. */
  readonly index: number;
  /** The swept values of the cell, by path. */
  readonly params: Readonly<Record<string, ParamValue>>;
  /** The strategies run, in scenario order. */
  readonly strategies: readonly StrategyChoice[];
  /** `runs[s][r]`: strategy s (in `strategies` order), replication r. */
  readonly runs: readonly (readonly RunMetrics[])[];
  /** The scenario's targets, judged for every strategy; none when absent or null. */
  readonly targets?: TargetPolicy | null;
}

/**
 * Summarises a cell against the strategy labelled `baseline`.
 * @throws Error when the baseline is not among the cell's strategies (callers check first and
 * report a user's mistake as an InputError), or when strategies ran different replications
 */
export function summarizeCell(cell: CellRuns, baseline: string): CellResult {
  const baselineIndex = cell.strategies.findIndex((choice) => choice.label === baseline);
  if (baselineIndex < 0) throw new Error(`summarizeCell: no strategy labelled ${baseline} in cell ${cell.index}`);
  const replications = cell.runs[0]!.length;
  if (cell.runs.some((runs) => runs.length !== replications)) throw new Error(`summarizeCell: cell ${cell.index} has uneven replications`);
  // Every strategy reports, and is paired on, every class any strategy's run had.
  const classKeys = classKeysOf(cell.runs.flat());
  let baseLeaves: MetricLeaf[][] | undefined;
  const strategies: StrategyOutcome[] = cell.strategies.map((choice, s) => {
    const runs = cell.runs[s]!;
    const summary = summarize(runs, classKeys);
    const leaves = runs.map((run) => pairedLeavesOf(run, classKeys));
    // The baseline's leaves, read once (every strategy is paired with them) and after the first
    // strategy's own: a damaged merged file then fails on the same run as without the cache.
    baseLeaves ??= cell.runs[baselineIndex]!.map((run) => pairedLeavesOf(run, classKeys));
    return {
      strategy: choice.label,
      name: choice.name,
      params: choice.params,
      metrics: summary.metrics,
      ci95: summary.ci95,
      ci95Low: summary.ci95Low,
      ci95High: summary.ci95High,
      perReplication: runs,
      paired: pairedLeaves(leaves, baseLeaves),
    };
  });
  const contenders = strategies.map((outcome) => ({ cell: cell.index, outcome }));
  const result = { index: cell.index, params: cell.params, baseline, strategies, leaderboards: leaderboards(contenders, leaderboardMetrics()) };
  // Absent rather than null without targets: documents of scenarios without them are unchanged.
  return cell.targets === undefined || cell.targets === null ? result : { ...result, targets: evaluateTargets(cell.targets, strategies) };
}

/** The leaves a run is paired on: pooled ones, then every class's (`byPriority.0.latency.p95`). */
function pairedLeavesOf(run: RunMetrics, classKeys: ClassKeys): MetricLeaf[] {
  return [...metricLeaves(run), ...classLeaves(run, classKeys)];
}

/**
 * The paired difference of every metric leaf, keyed by dotted path in metric-tree order.
 * @param mine - each replication's leaves (`metricLeaves`), and `theirs` the baseline's
 */
function pairedLeaves(mine: readonly MetricLeaf[][], theirs: readonly MetricLeaf[][]): Record<string, PairedDifference> {
  const out: Record<string, PairedDifference> = {};
  mine[0]!.forEach((leaf, i) => {
    out[leaf.path] = pairedDifference(mine.map((leaves) => leaves[i]!.value), theirs.map((leaves) => leaves[i]!.value));
  });
  return out;
}
