/**
 * `fleetsim check <scenario…>`: runs the strategies each scenario holds to its targets (its
 * `targets.strategies`, on the worker pool, through the experiment path) and judges them;
 * exit 1 when one of them misses a target. A scenario without targets is an input error.
 */
import { compareDocument, executeCells, type ExecutedCell } from '../experiments/experiment.js';
import { targetMisses } from '../experiments/targets.js';
import type { ExperimentDocument } from '../experiments/types.js';
import { TARGETS_NOTE, targetsDetailTable } from '../report/targetsTable.js';
import { textTable } from '../report/tables.js';
import { InputError } from '../scenario/errors.js';
import { loadScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import { parseWorkers } from './experimentCommands.js';
import { experimentProgress } from './progress.js';
import { counted } from '../counted.js';

/** Flags of `check`. */
export interface CheckArgs {
  /** The scenario files whose `targets` to check. */
  scenarios: string[];
  /** `--replications`: replications instead of the scenarios'. */
  replications?: number;
  /** `--seed`: seed instead of the scenarios'. */
  seed?: number;
  /** `--workers`: threads that run jobs, this one included. */
  workers?: number;
}

/**
 * Runs the command; resolves to true when every targeted strategy met every target.
 * @throws InputError for a bad flag, a bad scenario, or a scenario without targets
 */
export async function checkCommand(args: CheckArgs): Promise<boolean> {
  const workers = parseWorkers(args.workers);
  const scenarios = args.scenarios.map((file) => targetedScenario(file, loadScenario(file, { seed: args.seed, replications: args.replications })));
  const started = performance.now();
  const progress = experimentProgress(process.stderr, 'check', undefined, 'scenarios');
  let executed: ExecutedCell[];
  try {
    const cells = scenarios.map((scenario, index) => ({ index, params: {}, scenario }));
    executed = await executeCells(cells, { workers, onProgress: (state) => progress.update(state) });
  } finally {
    progress.done();
  }
  const part = { shard: null, wallSeconds: (performance.now() - started) / 1000, workers };
  const documents = executed.map((cell) => compareDocument(cell, part));
  process.stdout.write(checkText(documents));
  return documents.every((document) => targetMisses(document).length === 0);
}

/**
 * The scenario reduced to the strategies its targets hold (the others would only cost time).
 * @throws InputError when the scenario has no targets section
 */
function targetedScenario(file: string, scenario: Scenario): Scenario {
  const { targets } = scenario;
  if (targets === null) throw new InputError(file, 'targets', 'absent: nothing to check (add a targets section: docs/SCENARIOS.md, "Targets")');
  return { ...scenario, strategies: scenario.strategies.filter((choice) => targets.strategies.includes(choice.label)) };
}

/** Per scenario a verdict line and its table, then the overall verdict. */
export function checkText(documents: readonly ExperimentDocument[]): string {
  const parts: string[] = [];
  let failed = 0;
  for (const document of documents) {
    const misses = targetMisses(document);
    if (misses.length > 0) failed++;
    const strategies = document.cells[0]?.strategies.length ?? 0;
    const summary = misses.length === 0
      ? `ok  ${document.scenario}: ${strategies} strateg${strategies === 1 ? 'y meets' : 'ies meet'} every target`
      : `FAIL  ${document.scenario}: ${misses.map((miss) => `${miss.strategy} misses ${miss.metrics.join(', ')}`).join('; ')}`;
    parts.push(`${summary} (seed ${document.seed}, ${counted(document.replications, 'replication')})`);
    // Targets are judged on the intervals that too few replications make unreliable, as compare warns.
    parts.push(...document.warnings.map((warning) => `warning: ${warning}`));
    parts.push(textTable(targetsDetailTable(document)));
  }
  parts.push(TARGETS_NOTE);
  const n = documents.length;
  parts.push(failed === 0
    ? `check: ${counted(n, 'scenario')}: every targeted strategy meets its targets`
    : `check: FAILED: ${failed} of ${counted(n, 'scenario')} missed a target`);
  return parts.join('\n') + '\n';
}
