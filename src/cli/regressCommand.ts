/**
 * `fleetsim regress <scenario…> --baseline FILE`: re-runs each scenario (every strategy, its
 * replications, on the worker pool) and judges it against the baseline file; exit 1 when a
 * metric regressed or the baseline does not describe what ran. `--update` rewrites the
 * baseline's entries for these scenarios instead of failing.
 */
import { baselineEntry, readBaseline, updatedBaseline, writeBaseline, type BaselineFile } from '../experiments/baselineFile.js';
import { compareDocument, executeCells, type ExecutedCell } from '../experiments/experiment.js';
import { classChecksOf, failed, judgeScenario, type ScenarioVerdict } from '../experiments/regress.js';
import { InputError } from '../scenario/errors.js';
import { loadScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import { parseWorkers } from './experimentCommands.js';
import { experimentProgress } from './progress.js';
import { queueJobRunner } from './queueFlags.js';
import { parseQueueUrl } from '../distributed/queueUrl.js';
import { regressText } from './regressOutput.js';
import { counted } from '../counted.js';

/** Flags of `regress`. */
export interface RegressArgs {
  /** The scenario files to regress. */
  scenarios: string[];
  /** `--baseline`: the baseline file. */
  baseline: string;
  /** `--update`: rewrite the baseline with these runs instead of failing. */
  update: boolean;
  /** `--replications`: replications instead of the scenarios'. */
  replications?: number;
  /** `--workers`: threads that run jobs, this one included. */
  workers?: number;
  /** `--all`: list every metric checked, not only those that moved. */
  all: boolean;
  /** `--allow-huge`: run even when one run exceeds the work budget. */
  allowHuge: boolean;
  /** `--queue`: run the jobs on `fleetsim worker` processes through this Redis. */
  queue?: string;
}

/** Runs the command; returns true when the check passed (or the baseline was updated). */
export async function regressCommand(args: RegressArgs): Promise<boolean> {
  const workers = parseWorkers(args.workers);
  if (args.queue !== undefined) parseQueueUrl(args.queue);
  const scenarios = args.scenarios.map((file) => ({ file, scenario: loadScenario(file, { replications: args.replications, allowHuge: args.allowHuge }) }));
  checkDistinctNames(scenarios);
  // Read before the runs: a bad baseline file is reported at once, not after minutes.
  const baseline: BaselineFile | undefined = args.update ? readIfPresent(args.baseline) : readBaseline(args.baseline);
  if (!args.update && baseline !== undefined) checkReplicationsFlag(args, scenarios, baseline);
  const runner = await queueJobRunner(args.queue);
  // Every scenario in one pool: small scenarios alone would leave workers idle.
  const started = performance.now();
  const progress = experimentProgress(process.stderr, 'regress', undefined, 'scenarios');
  let executed: ExecutedCell[];
  try {
    const cells = scenarios.map(({ scenario }, index) => ({ index, params: {}, scenario }));
    executed = await executeCells(cells, { workers, runner, onProgress: (state) => progress.update(state) });
  } finally {
    progress.done();
  }
  const part = { shard: null, wallSeconds: (performance.now() - started) / 1000, workers };
  const runs = executed.map((cell, i) => ({ file: scenarios[i]!.file, scenario: scenarios[i]!.scenario, document: compareDocument(cell, part) }));
  const verdicts: ScenarioVerdict[] = runs.map(({ scenario, document }) =>
    judgeScenario(document, baseline?.scenarios.find((entry) => entry.scenario === scenario.name), scenario.regress));
  process.stdout.write(regressText(verdicts, args.all, args.update));
  if (args.update) {
    const entries = runs.map(({ file, scenario, document }) => baselineEntry(document, file, classChecksOf(scenario.regress)));
    writeBaseline(args.baseline, updatedBaseline(baseline, entries));
    process.stdout.write(`regress: baseline ${args.baseline} updated for ${counted(runs.length, 'scenario')}\n`);
    return true;
  }
  return !verdicts.some(failed);
}

function checkDistinctNames(scenarios: readonly { file: string; scenario: Scenario }[]): void {
  const seen = new Map<string, string>();
  for (const { file, scenario } of scenarios) {
    const other = seen.get(scenario.name);
    if (other !== undefined) throw new InputError(file, 'name', `"${scenario.name}" is also the name of ${other}: the baseline keys scenarios by name`);
    seen.set(scenario.name, file);
  }
}

/**
 * `--replications` different from what the baseline ran cannot be judged against it: that is
 * a mistake on the command line (exit 2), found before minutes of runs, not a regression.
 */
function checkReplicationsFlag(args: RegressArgs, scenarios: readonly { file: string; scenario: Scenario }[], baseline: BaselineFile): void {
  if (args.replications === undefined) return;
  for (const { scenario } of scenarios) {
    const entry = baseline.scenarios.find((candidate) => candidate.scenario === scenario.name);
    if (entry !== undefined && entry.replications !== args.replications) {
      throw new InputError('command line', '--replications', `the baseline ${args.baseline} ran "${scenario.name}" with ${entry.replications} replications, so --replications ${args.replications} cannot be compared with it: drop the flag, or pass --update to rewrite the baseline`);
    }
  }
}

/** The baseline when the file exists (a bad file is still an error); none when it does not. */
function readIfPresent(file: string): BaselineFile | undefined {
  try {
    return readBaseline(file);
  } catch (error) {
    if (error instanceof InputError && error.expected.includes('ENOENT')) return undefined;
    throw error;
  }
}
