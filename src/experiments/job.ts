/**
 * The unit of work of an experiment: one (cell, strategy, replication) run. The same function
 * runs in a worker thread and in-process (`--workers 1`), so results cannot depend on where a
 * run happened; they depend only on the job, which names its random streams by replication.
 */
import { SeriesCollector, type RunSeries } from '../metrics/series.js';
import type { RunMetrics } from '../metrics/types.js';
import type { Scenario } from '../scenario/types.js';
import { DecisionTimer } from '../sim/decisionTimer.js';
import { runLive } from '../live/runLive.js';
import { runSimulation, type RunOptions, type RunResult } from '../sim/simulation.js';
import { EventLogWriter } from './eventLog.js';

/**
 * What drives the engine in a run: the simulator (`sim`), or the live driver with emulated
 * agents on a manual clock (`live`), which must give the very same events and metrics.
 */
export type RunDriver = 'sim' | 'live';

/** One run to do. Plain data: it is copied to a worker thread. */
export interface RunJob {
  /** Index of the cell in the grid. */
  readonly cell: number;
  /** Index of the strategy in `scenario.strategies`. */
  readonly strategy: number;
  /** 0-based replication: selects the random streams. */
  readonly replication: number;
  /** The cell's scenario, validated. */
  readonly scenario: Scenario;
  /** Time one routing decision in this many. */
  readonly decisionSampleEvery: number;
  /** Record the run's series (queue depth, latency distribution) for the HTML report. */
  readonly series?: boolean;
  /** Write the run's event log (JSON lines) to this file (one part of `--events`). */
  readonly eventsFile?: string;
  /** What drives the engine. @defaultValue 'sim' */
  readonly driver?: RunDriver;
}

/** What one run sends back. Plain data: it is copied from a worker thread. */
export interface JobResult {
  /** The run's metrics. */
  readonly metrics: RunMetrics;
  /** Tasks submitted in the run, warm-up included (for tasks per second). */
  readonly submitted: number;
  /** Wall-clock seconds the run took. */
  readonly wallSeconds: number;
  /** Routing decisions made, and the sampled costs of some of them in microseconds. */
  readonly decisions: number;
  /** Sampled routing decision costs, microseconds. */
  readonly samplesUs: Float64Array;
  /** The run's series, when the job asked for them. */
  readonly series?: RunSeries;
}

/**
 * Runs one job.
 * @throws Error when the strategy index is out of range (a bug in the caller)
 */
export async function runJob(job: RunJob): Promise<JobResult> {
  const strategy = job.scenario.strategies[job.strategy];
  if (strategy === undefined) throw new Error(`runJob: no strategy ${job.strategy} in cell ${job.cell}`);
  const timer = new DecisionTimer(job.decisionSampleEvery);
  const { warmup } = job.scenario;
  const series = job.series === true ? new SeriesCollector({ warmupTimeSeconds: warmup.timeSeconds, warmupTasks: warmup.tasks }) : undefined;
  const events = job.eventsFile === undefined ? undefined : new EventLogWriter(job.eventsFile);
  let run: RunResult;
  try {
    const options: RunOptions = {
      scenario: job.scenario, strategy, replication: job.replication, decisionTimer: timer, sink: series,
      onEvent: events === undefined ? undefined : (event) => events.write(strategy.label, job.replication, event),
    };
    run = job.driver === 'live' ? await runLive(options) : runSimulation(options);
  } finally {
    events?.close();
  }
  return {
    metrics: run.metrics,
    submitted: run.counts.submitted,
    wallSeconds: run.timing.wallSeconds,
    decisions: timer.decisionCount,
    samplesUs: timer.samplesUs(),
    ...(series === undefined ? {} : { series: series.finish(run.endTimeSeconds) }),
  };
}
