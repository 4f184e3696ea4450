/**
 * Runs the cells of a compare or a sweep (all of them, or one shard's share) on the worker
 * pool and assembles the document. Jobs are laid out by (cell, strategy, replication) and
 * results read back by that index, never by completion order.
 */
import { performance } from 'node:perf_hooks';
import { poolSeries, type SeriesEntry } from '../metrics/series.js';
import { InputError } from '../scenario/errors.js';
import { decisionTiming } from '../sim/decisionTimer.js';
import { summarizeCell, type CellRuns } from './cell.js';
import { buildDocument } from './document.js';
import { eventPartFile, joinEventParts, makeEventPartsDir, removeEventParts } from './eventLog.js';
import { inShard, type GridCell } from './grid.js';
import type { JobResult, RunDriver, RunJob } from './job.js';
import { estimateRun } from '../scenario/budget.js';
import { defaultWorkers, runJobs, type ExperimentPool, type JobRunner, type PoolOptions } from './pool.js';
import type { ExperimentDocument, GridParameter, ShardInfo, StrategyTimingEntry, TimingPart } from './types.js';

/** Progress of an experiment, for a progress bar. */
export interface ExperimentProgress {
  /** Runs (jobs) finished, and runs to do. */
  readonly runsDone: number;
  /** Runs to do. */
  readonly runs: number;
  /** Cells whose every run is done, and cells to do. */
  readonly cellsDone: number;
  /** Cells to do. */
  readonly cells: number;
}

/** What to run, and how. */
export interface ExperimentRequest extends ExecuteOptions {
  /** One scenario compared, or a grid swept. */
  readonly kind: 'compare' | 'sweep';
  /** The scenario file, for messages. */
  readonly file: string;
  /** Every cell of the grid (one for a compare). */
  readonly cells: readonly GridCell[];
  /** The swept parameters (empty in a compare). */
  readonly grid: readonly GridParameter[];
  /** Label of the baseline strategy. @defaultValue each cell's first strategy */
  readonly baseline?: string;
  /** Run only this shard's share of the cells. */
  readonly shard?: ShardInfo;
}

/** One cell after its runs: the runs by strategy and replication, and their wall-clock cost. */
export interface ExecutedCell {
  /** The cell. */
  readonly cell: GridCell;
  /** Its runs, by strategy and replication. */
  readonly runs: CellRuns;
  /** Wall-clock cost of each strategy in the cell. */
  readonly timing: readonly StrategyTimingEntry[];
  /** Series of each strategy, pooled over its replications, when asked for. */
  readonly series: readonly SeriesEntry[];
}

/** How to execute cells. */
export interface ExecuteOptions {
  /** Threads that run jobs, this one included. @defaultValue the number of cores */
  readonly workers?: number;
  /**
   * The pool to run on (the CLI makes one for the runs and the report's charts); otherwise one
   * is made for the runs, with threads only when the runs are worth them.
   */
  readonly pool?: ExperimentPool;
  /** Time one routing decision in this many. @defaultValue 64 */
  readonly decisionSampleEvery?: number;
  /**
   * Record the series of every run, pooled per strategy (for the HTML report's charts).
   * @defaultValue false for {@link executeCells}; for {@link runCells}, true for a compare
   */
  readonly series?: boolean;
  /**
   * Write the event log of every run to this file (JSON lines), runs in job order: each job
   * writes a part file, wherever it runs, and the parts are joined in order at the end.
   */
  readonly eventsFile?: string;
  /** Called each time a run finishes. */
  readonly onProgress?: (progress: ExperimentProgress) => void;
  /** What drives the engine in every run. @defaultValue 'sim' */
  readonly driver?: RunDriver;
  /** Runs the jobs instead of the pool (`--queue`: `fleetsim worker` processes on any machine). */
  readonly runner?: JobRunner;
}

/**
 * Fewest expected tasks (summed over the runs, `estimateRun`) for which worker threads pay:
 * about a second of runs. A thread costs about a second of CPU besides its share of the runs
 * (its start, its own warm-up, and V8 compiling the simulator again for it on V8's own
 * threads, ~0.3–0.5 s), which on two cores comes out of the runs' time; measured by the
 * pool's timeline, `mmc-check.yaml` (960,000 tasks) breaks even and `identical-high-load.yaml`
 * (1.6 million) gains (docs/SPEED-RECORD.md, "Worker pool").
 */
export const MIN_TASKS_FOR_THREADS = 1_000_000;

/** Whether the runs of `cells` (every strategy × replication) are expected to be long enough for worker threads to pay. */
export function runsWorthThreads(cells: readonly GridCell[]): boolean {
  const tasks = cells.reduce((sum, { scenario }) => sum + scenario.strategies.length * scenario.replications * estimateRun(scenario).tasks, 0);
  return tasks >= MIN_TASKS_FOR_THREADS;
}

/**
 * Runs every strategy × replication of every cell in one pool, so that small cells (or small
 * scenarios, for `regress`) keep every worker busy. Cells may come from different scenarios.
 */
export async function executeCells(cells: readonly GridCell[], options: ExecuteOptions = {}): Promise<ExecutedCell[]> {
  const jobs = layOutJobs(cells, options.decisionSampleEvery ?? 64, options.series ?? false, options.driver ?? 'sim');
  const cost = jobs.map((job) => estimateRun(job.scenario).tasks);
  const pool: PoolOptions = {
    workers: runsWorthThreads(cells) ? (options.workers ?? defaultWorkers()) : 1, pool: options.pool, runner: options.runner, cost, onJobDone: progressReporter(jobs, cells.length, options.onProgress),
  };
  const results = await runLoggedJobs(jobs, options.eventsFile, pool);
  let next = 0;
  return cells.map((cell) => {
    const runs = cell.scenario.strategies.map(() => {
      const slice = results.slice(next, next + cell.scenario.replications);
      next += slice.length;
      return slice;
    });
    return {
      cell,
      runs: {
        index: cell.index, params: cell.params, strategies: cell.scenario.strategies, runs: runs.map((rs) => rs.map((r) => r.metrics)), targets: cell.scenario.targets,
      },
      timing: cell.scenario.strategies.map((choice, s) => strategyTiming(cell.index, choice.label, runs[s]!)),
      series: cell.scenario.strategies.flatMap((choice, s) => {
        const recorded = runs[s]!.flatMap((run) => (run.series === undefined ? [] : [run.series]));
        if (recorded.length === 0) return [];
        return [{ cell: cell.index, strategy: choice.label, replication: 0, replications: recorded.length, ...poolSeries(recorded) }];
      }),
    };
  });
}

/**
 * Runs the experiment and returns its document.
 * @throws InputError when `--baseline` names a strategy missing from some cell
 */
export async function runCells(request: ExperimentRequest): Promise<ExperimentDocument> {
  const started = performance.now();
  const first = request.cells[0];
  if (first === undefined) throw new Error('runCells: no cells');
  checkBaseline(request);
  const cells = request.cells.filter((cell) => request.shard === undefined || inShard(cell.index, request.shard));
  const workers = request.workers ?? request.pool?.workers ?? defaultWorkers();
  const series = request.series ?? request.kind === 'compare';
  const executed = await executeCells(cells, {
    workers, pool: request.pool, decisionSampleEvery: request.decisionSampleEvery, series, eventsFile: request.eventsFile, onProgress: request.onProgress,
    runner: request.runner,
  });
  const shard = request.shard;
  return buildDocument({
    kind: request.kind,
    scenario: first.scenario.name,
    seed: first.scenario.seed,
    replications: first.scenario.replications,
    baseline: request.baseline ?? first.scenario.strategies[0]!.label,
    grid: request.grid.map(({ path, values }) => ({ path, values })),
    cells: executed.map(({ cell, runs }) => summarizeCell(runs, request.baseline ?? cell.scenario.strategies[0]!.label)),
    timing: {
      parts: [{ shard: shard === undefined ? null : `${shard.index}/${shard.count}`, wallSeconds: (performance.now() - started) / 1000, workers }],
      strategies: executed.flatMap((e) => e.timing),
    },
    shard,
    series: series ? executed.flatMap((e) => e.series) : undefined,
  });
}

/**
 * The compare document of one executed cell whose scenario ran among others (`regress` runs
 * every scenario in one pool): the cell becomes cell 0, its first strategy the baseline.
 */
export function compareDocument(executed: ExecutedCell, part: TimingPart): ExperimentDocument {
  const { scenario } = executed.cell;
  const baseline = scenario.strategies[0]!.label;
  return buildDocument({
    kind: 'compare',
    scenario: scenario.name,
    seed: scenario.seed,
    replications: scenario.replications,
    baseline,
    grid: [],
    cells: [summarizeCell({ ...executed.runs, index: 0, params: {} }, baseline)],
    timing: { parts: [part], strategies: executed.timing.map((entry) => ({ ...entry, cell: 0 })) },
  });
}

function checkBaseline(request: ExperimentRequest): void {
  const { baseline } = request;
  if (baseline === undefined) return;
  for (const cell of request.cells) {
    const labels = cell.scenario.strategies.map((choice) => choice.label);
    if (!labels.includes(baseline)) {
      const where = request.cells.length > 1 ? ` in cell ${cell.index}` : '';
      throw new InputError(request.file, '--baseline', `no strategy "${baseline}"${where}; strategies: ${labels.join(', ')}`);
    }
  }
}

/** Jobs in (cell, strategy, replication) order: the order results are read back in. */
function layOutJobs(cells: readonly GridCell[], decisionSampleEvery: number, series: boolean, driver: RunDriver): RunJob[] {
  return cells.flatMap((cell) =>
    cell.scenario.strategies.flatMap((_, strategy) =>
      Array.from({ length: cell.scenario.replications }, (__, replication) => ({
        cell: cell.index, strategy, replication, scenario: cell.scenario, decisionSampleEvery, series,
        // Only a live run names its driver, so the jobs of simulated runs stay as they were.
        ...(driver === 'live' ? { driver } : {}),
      }))));
}

/** Runs `jobs`, each writing its part of the event log when there is one, then joins the parts. */
async function runLoggedJobs(jobs: readonly RunJob[], eventsFile: string | undefined, pool: PoolOptions): Promise<JobResult[]> {
  if (eventsFile === undefined) return runJobs(jobs, pool);
  // Each job writes its part where it runs: a worker on another machine has no such directory.
  if (pool.runner !== undefined) throw new Error('runLoggedJobs: an event log needs the local pool, not a job runner');
  const partsDir = makeEventPartsDir(eventsFile);
  try {
    const results = await runJobs(jobs.map((job, i) => ({ ...job, eventsFile: eventPartFile(partsDir, i) })), pool);
    joinEventParts(partsDir, jobs.length, eventsFile);
    return results;
  } finally {
    removeEventParts(partsDir);
  }
}

function progressReporter(jobs: readonly RunJob[], cellCount: number, report: ExperimentRequest['onProgress']) {
  if (report === undefined) return undefined;
  const left = new Map<number, number>();
  for (const job of jobs) left.set(job.cell, (left.get(job.cell) ?? 0) + 1);
  let cellsDone = 0;
  return (runsDone: number, finished: number): void => {
    const cell = jobs[finished]!.cell;
    const remaining = left.get(cell)! - 1;
    left.set(cell, remaining);
    if (remaining === 0) cellsDone++;
    report({ runsDone, runs: jobs.length, cellsDone, cells: cellCount });
  };
}

function strategyTiming(cell: number, strategy: string, runs: readonly JobResult[]): StrategyTimingEntry {
  const wallSeconds = runs.reduce((sum, run) => sum + run.wallSeconds, 0);
  const submitted = runs.reduce((sum, run) => sum + run.submitted, 0);
  const samples = new Float64Array(runs.reduce((sum, run) => sum + run.samplesUs.length, 0));
  let filled = 0;
  for (const run of runs) {
    samples.set(run.samplesUs, filled);
    filled += run.samplesUs.length;
  }
  const decisions = runs.reduce((sum, run) => sum + run.decisions, 0);
  return { cell, strategy, wallSeconds, tasksPerSecond: wallSeconds > 0 ? submitted / wallSeconds : 0, routing: decisionTiming(decisions, samples) };
}
