/**
 * An experiment: every strategy of a scenario over every replication, on common random
 * numbers (replication r of every strategy draws from the same streams), summarised as the
 * mean and 95% confidence half-width of each metric.
 */
import type { EngineEvent } from '../engine/messages.js';
import { summarize } from '../metrics/summary.js';
import type { RunMetrics, Summary } from '../metrics/types.js';
import type { Scenario, StrategyChoice } from '../scenario/types.js';
import { DecisionTimer, type DecisionTiming } from './decisionTimer.js';
import { runSimulation } from './simulation.js';

/** Wall-clock figures of one strategy over all its replications. */
export interface StrategyTiming {
  readonly wallSeconds: number;
  /** Submitted tasks simulated per wall-clock second. */
  readonly tasksPerSecond: number;
  readonly routing: DecisionTiming;
}

/** One strategy's results. */
export interface StrategyResult {
  /** The strategy's label (its name, or name#2 when listed twice). */
  readonly strategy: string;
  readonly params: unknown;
  readonly metrics: Summary['metrics'];
  readonly ci95: Summary['ci95'];
  /** Each replication's metrics, in replication order. */
  readonly perReplication: readonly RunMetrics[];
  /** Wall-clock timings: the only part of a result that differs between identical runs. */
  readonly timing: StrategyTiming;
}

/** The `--json` document of `fleetsim run`. */
export interface ExperimentResult {
  readonly scenario: string;
  readonly seed: number;
  readonly replications: number;
  readonly results: readonly StrategyResult[];
}

/** Hooks for the caller (progress display, event log). */
export interface ExperimentOptions {
  /** Receives every engine event of every run, with the run it belongs to. */
  readonly onEvent?: (strategy: string, replication: number, event: EngineEvent) => void;
  /** Called during and after each run with the runs done (fractional mid-run) and the total. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Time one routing decision in this many. @defaultValue 64 */
  readonly decisionSampleEvery?: number;
}

/** Runs every strategy of `scenario` over its replications. */
export function runExperiment(scenario: Scenario, options: ExperimentOptions = {}): ExperimentResult {
  const total = scenario.strategies.length * scenario.replications;
  let done = 0;
  const progress = (fraction: number): void => options.onProgress?.(done + fraction, total);
  const results = scenario.strategies.map((choice) =>
    runStrategy(scenario, choice, options, progress, () => options.onProgress?.(++done, total)),
  );
  return { scenario: scenario.name, seed: scenario.seed, replications: scenario.replications, results };
}

function runStrategy(
  scenario: Scenario, choice: StrategyChoice, options: ExperimentOptions,
  duringRun: (fraction: number) => void, afterRun: () => void,
): StrategyResult {
  const timer = new DecisionTimer(options.decisionSampleEvery ?? 64);
  const runs: RunMetrics[] = [];
  let wallSeconds = 0;
  let submitted = 0;
  for (let replication = 0; replication < scenario.replications; replication++) {
    const onEvent = options.onEvent;
    const run = runSimulation({
      scenario,
      strategy: choice,
      replication,
      decisionTimer: timer,
      onProgress: duringRun,
      onEvent: onEvent === undefined ? undefined : (event) => onEvent(choice.label, replication, event),
    });
    runs.push(run.metrics);
    wallSeconds += run.timing.wallSeconds;
    submitted += run.counts.submitted;
    afterRun();
  }
  const summary = summarize(runs);
  return {
    strategy: choice.label,
    params: choice.params,
    metrics: summary.metrics,
    ci95: summary.ci95,
    perReplication: runs,
    timing: { wallSeconds, tasksPerSecond: wallSeconds > 0 ? submitted / wallSeconds : 0, routing: timer.summary() },
  };
}
