/**
 * `fleetsim run`: every strategy of a scenario over its replications, printed as the comparison
 * table or (`--json`) the run result. The runs are a compare's: the same jobs on the same worker
 * pool, summarised into the same document, of which the run result is a view; `--out` writes the
 * compare's report directory.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { runScenario, type ExperimentResult } from '../experiments/runResult.js';
import type { ExperimentDocument } from '../experiments/types.js';
import { readScenarioDocument } from '../scenario/load.js';
import { checkEventsFile } from '../experiments/eventLog.js';
import { buildCells } from '../experiments/grid.js';
import type { RunDriver } from '../experiments/job.js';
import { parseClassDimension, runClassText } from './byClass.js';
import { parseWorkers } from './experimentCommands.js';
import { targetsParts } from './experimentOutput.js';
import { comparisonTable } from './format.js';
import { jsonChunks } from './jsonStream.js';
import { experimentProgress } from './progress.js';

/** Flags of `run`. */
export interface RunArgs {
  /** The scenario file. */
  scenario: string;
  /** `--strategy`: the strategies to run instead of the scenario's. */
  strategy?: string;
  /** `--seed`: the seed instead of the scenario's. */
  seed?: number;
  /** `--replications`: replications instead of the scenario's. */
  replications?: number;
  /** `--workers`: threads that run jobs, this one included (default: every core). */
  workers?: number;
  /** `--json`: print the run result as one JSON document. */
  json: boolean;
  /** `--out`: the report directory to write. */
  out?: string;
  /** `--png`: the report's charts as PNG too. */
  png?: boolean;
  /** `--events`: the file to write the event log to (JSON lines). */
  events?: string;
  /** `--allow-huge`: run even when one run would simulate more than 10^8 tasks. */
  allowHuge: boolean;
  /** What drives the engine: the simulator, or the live driver with emulated agents on a manual clock. */
  driver: RunDriver;
  /** `--by`: print the metrics by class of this dimension too (checked by {@link parseClassDimension}). */
  by?: string;
}

/**
 * Where `run` prints: standard output in practice, a string collector in tests. A promise
 * returned says to wait for it before writing more.
 */
export type Write = (text: string) => void | Promise<unknown>;

/**
 * Characters that may wait in standard output's queue before printing waits for it to drain:
 * enough that the document is still being made while the reader takes what is queued, few
 * beside the document.
 */
const STDOUT_QUEUE_CHARS = 1 << 22;

/**
 * A {@link Write} to `stream` that asks for a wait, until the stream drains, once `queueChars`
 * characters are queued: writes to a pipe or socket that is full are queued in memory, and a
 * `--json` document of 100,000 agents (36–41 MB) made faster than its reader takes it was
 * otherwise held there whole, as strings and again as copies.
 */
export function drainingWriter(stream: Writable, queueChars = STDOUT_QUEUE_CHARS): Write {
  let drained: Promise<unknown> | undefined;
  return (text) => {
    stream.write(text);
    if (stream.writableLength < queueChars) return undefined;
    // One wait however many writes ask for it (a listener each would pile up on the stream).
    drained ??= once(stream, 'drain').finally(() => {
      drained = undefined;
    });
    return drained;
  };
}

/** `fleetsim run <scenario>`. */
export async function runCommand(args: RunArgs, write: Write = drainingWriter(process.stdout)): Promise<void> {
  const workers = parseWorkers(args.workers);
  const by = parseClassDimension(args.by);
  // The loader validates the overrides (and names the flag in its error).
  const [cell] = buildCells(readScenarioDocument(args.scenario), args.scenario, [], {
    seed: args.seed,
    replications: args.replications,
    strategies: args.strategy?.split(','),
    allowHuge: args.allowHuge,
  });
  const scenario = cell!.scenario;
  if (args.events !== undefined) checkEventsFile(args.events);
  const progress = experimentProgress(process.stderr, scenario.name);
  let runs: { readonly document: ExperimentDocument; readonly result: ExperimentResult };
  try {
    runs = await runScenario(scenario, {
      workers,
      // The charts of the HTML report need the series; without a report, nothing reads them.
      series: args.out !== undefined,
      eventsFile: args.events,
      driver: args.driver,
      onProgress: (state) => progress.update(state),
    });
  } finally {
    progress.done();
  }
  if (args.out !== undefined) await writeReport(runs.document, args.out, args.png === true);
  await printRunResult(runs.result, args.json, write);
  if (by !== undefined && !args.json) await write(runClassText(runs.result, by));
  // The targets' pass/fail table, as compare shows it (the --json document keeps its shape).
  const targets = targetsParts(runs.document);
  if (!args.json && targets.length > 0) await write(`\n${targets.join('\n').replace(/\n+$/, '')}\n`);
}

/**
 * Prints the run result: the comparison table, or with `json` the document, written in chunks
 * so that a result too large for one string (tens of thousands of agents over many
 * replications) still prints, each group of chunks (about a mebibyte) made once `write` has taken
 * the one before. Nothing is serialised unless `json` asks for it.
 */
export async function printRunResult(result: ExperimentResult, json: boolean, write: Write): Promise<void> {
  if (!json) {
    await write(comparisonTable(result));
    return;
  }
  for (const group of jsonChunks(result)) {
    // Standard output asks for a wait once its queue is long; the group is written whole first.
    let taken: Promise<unknown> | undefined;
    for (const chunk of group) taken = write(chunk) ?? taken;
    if (taken !== undefined) await taken;
  }
}

/** The report directory of a compare: summary.json, CSV, Markdown and the HTML report. */
async function writeReport(document: ExperimentDocument, out: string, png: boolean): Promise<void> {
  // Loaded on demand: a run without --out needs neither the report files (csv-stringify) nor
  // the chart stack (vega, resvg), which took most of the CLI's start-up time.
  const [{ writeReportDir }, { writeHtmlReport }] = await Promise.all([import('../report/reportDir.js'), import('../report/htmlReport.js')]);
  writeReportDir(out, document);
  await writeHtmlReport(document, out, undefined, { png });
}
