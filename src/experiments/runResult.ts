/**
 * The result of `fleetsim run` (its `--json` document): a view of the compare document of the
 * same runs, so `run` and `compare` share one job runner, one summary and every figure. It keeps
 * per strategy the means, half-widths, replications and wall-clock timing, and leaves out the
 * compare document's paired differences and leaderboards.
 */
import type { DecisionTiming } from '../sim/decisionTimer.js';
import type { ClassedMetrics, RunMetrics } from '../metrics/types.js';
import type { Scenario } from '../scenario/types.js';
import { runCells, type ExecuteOptions } from './experiment.js';
import type { CompareDocument, ExperimentDocument } from './types.js';

/** Wall-clock figures of one strategy over all its replications. */
export interface StrategyTiming {
  /** Seconds its runs took, summed over replications (they may have run side by side). */
  readonly wallSeconds: number;
  /** Submitted tasks simulated per wall-clock second of its runs. */
  readonly tasksPerSecond: number;
  /** Routing cost per decision. */
  readonly routing: DecisionTiming;
}

/** One strategy's results. */
export interface StrategyResult {
  /** The strategy's label (its name, or name#2 when listed twice). */
  readonly strategy: string;
  /** Its parameters, with defaults applied. */
  readonly params: unknown;
  /** The mean of every metric over replications (`perAgent` averaged per agent id). */
  readonly metrics: RunMetrics;
  /** The 95% confidence half-width of every metric but `perAgent`, class figures included. */
  readonly ci95: ClassedMetrics;
  /** Each replication's metrics, in replication order. */
  readonly perReplication: readonly RunMetrics[];
  /** Wall-clock timings: the only part of a result that differs between identical runs. */
  readonly timing: StrategyTiming;
}

/** The `--json` document of `fleetsim run`. */
export interface ExperimentResult {
  /** Scenario name. */
  readonly scenario: string;
  /** Base seed of the runs. */
  readonly seed: number;
  /** Replications per strategy. */
  readonly replications: number;
  /** One result per strategy, in scenario order. */
  readonly results: readonly StrategyResult[];
}

/**
 * The run result of a compare document (one cell).
 * @throws Error when the document is not a compare, or lacks a strategy's timing (a bug)
 */
export function runResultOf(document: ExperimentDocument): ExperimentResult {
  const cell = document.cells[0];
  if (document.kind !== 'compare' || cell === undefined) throw new Error('runResultOf: expected a compare document');
  const timings = new Map(document.timing.strategies.map((entry) => [entry.strategy, entry]));
  return {
    scenario: document.scenario,
    seed: document.seed,
    replications: document.replications,
    results: cell.strategies.map((outcome) => {
      const timing = timings.get(outcome.strategy);
      if (timing === undefined) throw new Error(`runResultOf: no timing for ${outcome.strategy}`);
      return {
        strategy: outcome.strategy,
        params: outcome.params,
        metrics: outcome.metrics,
        ci95: outcome.ci95,
        perReplication: outcome.perReplication,
        timing: { wallSeconds: timing.wallSeconds, tasksPerSecond: timing.tasksPerSecond, routing: timing.routing },
      };
    }),
  };
}

/**
 * Runs every strategy of `scenario` over its replications on the experiment pool and returns
 * both views of the runs: the compare document and the run result.
 */
export async function runScenario(scenario: Scenario, options: ExecuteOptions = {}): Promise<{
  readonly document: CompareDocument;
  readonly result: ExperimentResult;
}> {
  const document = await runCells({
    ...options, kind: 'compare', file: scenario.name, cells: [{ index: 0, params: {}, scenario }], grid: [], series: options.series ?? false,
  });
  return { document: document as CompareDocument, result: runResultOf(document) };
}

/**
 * Runs every strategy of `scenario` over its replications, on common random numbers (replication
 * r of every strategy draws from the same streams), summarised as the mean and 95% confidence
 * half-width of each metric: the figures of `fleetsim run` and `fleetsim compare`.
 */
export async function runExperiment(scenario: Scenario, options: ExecuteOptions = {}): Promise<ExperimentResult> {
  return (await runScenario(scenario, options)).result;
}
