/**
 * `fleetsim compare`, `sweep` and `merge`: run (or join) an experiment, write its report
 * directory and print its leaderboards (or, with `--json`, the document).
 */
import { runCells, runsWorthThreads } from '../experiments/experiment.js';
import { readDocument } from '../experiments/documentFile.js';
import { buildCells, checkShardHasCells, inShard, parseParameters, parseShard } from '../experiments/grid.js';
import { mergeShards } from '../experiments/merge.js';
import { ExperimentPool, defaultWorkers } from '../experiments/pool.js';
import type { ExperimentDocument, ShardInfo } from '../experiments/types.js';
import { defaultReportDir, documentJson, writeReportDir } from '../report/reportDir.js';
import { InputError } from '../scenario/errors.js';
import { readScenarioDocument } from '../scenario/load.js';
import type { ScenarioOverrides } from '../scenario/normalize.js';
import { describeValue } from '../scenario/zodIssues.js';
import type { ClassDimension } from '../metrics/classes.js';
import { parseClassDimension } from './byClass.js';
import { experimentText } from './experimentOutput.js';
import { experimentProgress } from './progress.js';
import { queueJobRunner } from './queueFlags.js';
import { parseQueueUrl } from '../distributed/queueUrl.js';

/** Most worker threads `--workers` may ask for. */
export const MAX_WORKERS = 256;

/**
 * Most threads worth starting for a report's PNGs alone (a compare draws about 15 charts):
 * threads beyond both this and the number of runs would only load the chart stack.
 */
const REPORT_THREADS = 16;

/** Flags shared by `compare` and `sweep`. */
export interface ExperimentArgs {
  /** The scenario file. */
  scenario: string;
  /** `--strategy`: strategies to run instead of the scenario's. */
  strategy?: string;
  /** `--seed`: seed instead of the scenario's. */
  seed?: number;
  /** `--replications`: replications instead of the scenario's. */
  replications?: number;
  /** `--baseline`: the strategy paired differences are taken against (default: the first). */
  baseline?: string;
  /** `--workers`: threads that run jobs, this one included (default: every core). */
  workers?: number;
  /** `--json`: print the summary document instead of the tables. */
  json: boolean;
  /** `--out`: the report directory. */
  out?: string;
  /** `--allow-huge`: run even when one run exceeds the work budget. */
  allowHuge: boolean;
  /** `--by`: print the metrics by class of this dimension too (a compare). */
  by?: string;
  /** `--queue`: run the jobs on `fleetsim worker` processes through this Redis. */
  queue?: string;
  /** `--png`: the report's charts as PNG too. */
  png?: boolean;
}

/** Flags of `sweep`. */
export interface SweepArgs extends ExperimentArgs {
  /** `--param`: a field and its values to sweep (`path=v1,v2,…`), once per field. */
  param?: string | string[];
  /** `--shard`: run only shard `i/n` of the cells (merged later with `merge`). */
  shard?: string;
}

/** Flags of `merge`. */
export interface MergeArgs {
  /** The shards' `summary.json` files to merge. */
  files: string[];
  /** `--json`: print the merged summary document instead of the tables. */
  json: boolean;
  /** `--out`: the report directory. */
  out?: string;
  /** `--png`: the report's charts as PNG too. */
  png?: boolean;
}

/**
 * `--workers N` checked (an integer 1..256), or every core when absent.
 * @throws InputError naming `--workers`
 */
export function parseWorkers(workers: number | undefined): number {
  if (workers === undefined) return defaultWorkers();
  if (!(Number.isInteger(workers) && workers >= 1 && workers <= MAX_WORKERS)) {
    throw new InputError('command line', '--workers', `expected an integer 1..${MAX_WORKERS}, got ${describeValue(workers)}`);
  }
  return workers;
}

/**
 * The default report directory: `reports/<scenario name>/` for a compare and
 * `reports/<scenario name>-sweep/` for a sweep, so that a sweep never overwrites the compare
 * report of the same scenario.
 */
export function experimentReportDir(kind: ExperimentDocument['kind'], scenarioName: string): string {
  return defaultReportDir(kind === 'sweep' ? `${scenarioName}-sweep` : scenarioName);
}

/** `fleetsim compare <scenario>`. */
export async function compareCommand(args: ExperimentArgs): Promise<void> {
  await experiment('compare', args, [], undefined);
}

/** `fleetsim sweep <scenario> --param path=v1,v2 …`. */
export async function sweepCommand(args: SweepArgs): Promise<void> {
  const flags = args.param === undefined ? [] : ([] as string[]).concat(args.param);
  if (flags.length === 0) throw new InputError('command line', '--param', 'required: give at least one --param path=value1,value2,…');
  const shard = args.shard === undefined ? undefined : parseShard(args.shard);
  await experiment('sweep', args, flags, shard);
}

async function experiment(kind: 'compare' | 'sweep', args: ExperimentArgs, flags: readonly string[], shard: ShardInfo | undefined): Promise<void> {
  // Flags first, so a bad flag is reported however broken the file is.
  const workers = parseWorkers(args.workers);
  const by = parseClassDimension(args.by);
  const grid = parseParameters(flags);
  if (args.queue !== undefined) parseQueueUrl(args.queue);
  const overrides: ScenarioOverrides = { seed: args.seed, replications: args.replications, strategies: args.strategy?.split(','), allowHuge: args.allowHuge };
  const cells = buildCells(readScenarioDocument(args.scenario), args.scenario, grid, overrides);
  if (shard !== undefined) checkShardHasCells(shard, cells.length);
  const name = cells[0]!.scenario.name;
  const shardDir = shard === undefined ? '' : `shard-${shard.index}-of-${shard.count}`;
  const out = args.out ?? (shard === undefined ? experimentReportDir(kind, name) : `${experimentReportDir(kind, name)}/${shardDir}`);
  // One pool for the runs and the report's charts. The SVGs are drawn by this thread alone
  // (`buildHtmlReport`); with --png every thread loads the chart stack once it has no run left
  // to take (not while the runs need the cores) and rasterises in parallel.
  const runs = cells.reduce((sum, cell) => sum + cell.scenario.strategies.length * cell.scenario.replications, 0);
  const runner = await queueJobRunner(args.queue);
  // Short runs get no thread: its start and warm-up would cost more than its share of the runs
  // and charts. With --queue the runs go elsewhere and the charts are drawn in this thread, as
  // by `merge` and `report`: threads started for them alone would wait for the queue, then cost
  // more than their share of ~15 charts.
  const threads = runner === undefined && runsWorthThreads(cells.filter((cell) => shard === undefined || inShard(cell.index, shard)));
  const png = args.png === true;
  // This thread, which draws the SVGs, loads the chart stack while it waits for the workers' last runs.
  const pool = new ExperimentPool(threads ? Math.min(workers, png ? Math.max(runs, REPORT_THREADS) : runs) : 1, [], { prepareLater: png ? ['chart'] : [], prepareHereLater: ['chart'] });
  try {
    const progress = experimentProgress(process.stderr, name);
    let document: ExperimentDocument;
    try {
      document = await runCells({
        kind, file: args.scenario, cells, grid, baseline: args.baseline, shard, workers, pool, runner,
        onProgress: (state) => progress.update(state),
      });
    } finally {
      progress.done();
    }
    const reported = pool.span('report');
    await report(document, out, { json: args.json, png: args.png === true }, pool, by);
    reported();
  } finally {
    await pool.close();
  }
}

/** `fleetsim merge <files…>`. */
export async function mergeCommand(args: MergeArgs): Promise<void> {
  const document = mergeShards(args.files.map(readDocument));
  // The charts render in this thread, as for `fleetsim report`: a worker thread costs more than its share of them.
  await report(document, args.out ?? experimentReportDir(document.kind, document.scenario), { json: args.json, png: args.png === true });
}

async function report(document: ExperimentDocument, out: string, how: { json: boolean; png: boolean }, pool?: ExperimentPool, by?: ClassDimension): Promise<void> {
  const json = documentJson(document);
  writeReportDir(out, document, json);
  // Loaded on demand, and the chart stack (vega, resvg) only by the first chart this thread
  // renders, or while it waited for the workers' last runs: it takes most of the CLI's start-up time.
  const { writeHtmlReport } = await import('../report/htmlReport.js');
  await writeHtmlReport(document, out, pool, { png: how.png });
  process.stdout.write(how.json ? json : experimentText(document, out, by, how.png));
}
