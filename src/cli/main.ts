#!/usr/bin/env node
/**
 * The `fleetsim` command line (DESIGN.md section 8). Exit codes: 0 success, 1 a check failed,
 * 2 invalid input (one line naming the file or flag, the field and what was expected; never a
 * stack trace), 3 an internal error (a bug: printed loudly with its stack).
 */
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { writeReportFiles } from '../report/reportDir.js';
import { InputError, isInputError, systemErrorReason } from '../scenario/errors.js';
import { loadScenario } from '../scenario/load.js';
import { workloadTypes } from '../scenario/workload.js';
import { runExperiment, type ExperimentResult } from '../sim/experiment.js';
import { STRATEGIES } from '../strategies/index.js';
import { checkCommand, type CheckArgs } from './checkCommand.js';
import { EventLogWriter } from './eventLogWriter.js';
import { compareCommand, mergeCommand, sweepCommand, type ExperimentArgs, type MergeArgs, type SweepArgs } from './experimentCommands.js';
import { comparisonTable } from './format.js';
import { terminalProgress } from './progress.js';
import { regressCommand, type RegressArgs } from './regressCommand.js';
import { reportCommand, type ReportArgs } from './reportCommand.js';
import { schemaCommand } from './schemaCommand.js';

/** Exit codes of the command line. */
export const EXIT = { ok: 0, checkFailed: 1, invalidInput: 2, internalError: 3 } as const;

interface RunArgs {
  scenario: string;
  strategy?: string;
  seed?: number;
  replications?: number;
  json: boolean;
  out?: string;
  events?: string;
}

function runCommand(args: RunArgs): void {
  // The loader validates the overrides (and names the flag in its error).
  const scenario = loadScenario(args.scenario, {
    seed: args.seed,
    replications: args.replications,
    strategies: args.strategy?.split(','),
  });
  let events: EventLogWriter | undefined;
  if (args.events !== undefined) {
    try {
      events = new EventLogWriter(args.events);
    } catch (error) {
      throw new InputError(args.events, '--events', `cannot write the events file (${systemErrorReason(error)})`);
    }
  }
  const progress = terminalProgress(process.stderr, scenario.name);
  let result: ExperimentResult;
  try {
    result = runExperiment(scenario, {
      onProgress: (done, total) => progress.update(done, total),
      onEvent: events === undefined ? undefined : (strategy, replication, event) => events!.write(strategy, replication, event),
    });
  } finally {
    progress.done();
    events?.close();
  }
  const json = JSON.stringify(result, null, 2) + '\n';
  if (args.out !== undefined) writeReportFiles(args.out, [['summary.json', json]]);
  process.stdout.write(args.json ? json : comparisonTable(result));
}

function validateCommand(args: { scenario: string }): void {
  const scenario = loadScenario(args.scenario);
  const types = workloadTypes(scenario.workload);
  process.stdout.write(
    `${args.scenario}: valid scenario "${scenario.name}": ${scenario.agents.length} agents, ${types.length} task types, ` +
      `${scenario.strategies.length} strategies, ${scenario.replications} replications\n`,
  );
}

function strategiesCommand(): void {
  const width = Math.max(...STRATEGIES.map((s) => s.name.length));
  for (const s of STRATEGIES) process.stdout.write(`${s.name.padEnd(width)}  ${s.description}\n`);
}

function scenarioArgument(y: Argv): Argv<{ scenario: string }> {
  return y.positional('scenario', { type: 'string', demandOption: true, describe: 'scenario file (YAML or JSON)' }) as Argv<{ scenario: string }>;
}

/** Options of `compare` and `sweep`. */
function experimentOptions(y: Argv): Argv {
  return scenarioArgument(y)
    .option('strategy', { type: 'string', describe: 'comma-separated strategies to run instead of the scenario\'s' })
    .option('seed', { type: 'number', describe: 'seed instead of the scenario\'s' })
    .option('replications', { type: 'number', describe: 'replications instead of the scenario\'s' })
    .option('baseline', { type: 'string', describe: 'strategy the paired differences are taken against (default: the first)' })
    .option('workers', { type: 'number', describe: 'worker threads (default: every core; 1 runs in this process)' })
    .option('json', { type: 'boolean', default: false, describe: 'print the summary.json document instead of the tables' })
    .option('out', { type: 'string', describe: 'report directory (default: reports/<scenario name>/)' });
}

function buildParser(argv: string[], setExit: (code: number) => void): Argv {
  return yargs(argv)
    .scriptName('fleetsim')
    .usage('$0 <command> [options]')
    .command('run <scenario>', 'run every strategy of a scenario and print the comparison', (y) =>
      scenarioArgument(y)
        .option('strategy', { type: 'string', describe: 'comma-separated strategies to run instead of the scenario\'s' })
        .option('seed', { type: 'number', describe: 'seed instead of the scenario\'s' })
        .option('replications', { type: 'number', describe: 'replications instead of the scenario\'s' })
        .option('json', { type: 'boolean', default: false, describe: 'print the result as one JSON document' })
        .option('out', { type: 'string', describe: 'directory to write summary.json into' })
        .option('events', { type: 'string', describe: 'file to write the event log to (JSON lines)' }),
      (args) => runCommand(args as unknown as RunArgs))
    .command('compare <scenario>', 'rank the strategies of a scenario, with paired differences to a baseline', experimentOptions,
      (args) => compareCommand(args as unknown as ExperimentArgs))
    .command('sweep <scenario>', 'compare the strategies in every cell of a parameter grid', (y) =>
      experimentOptions(y)
        .option('param', { type: 'string', describe: 'path=value1,value2,… : a scenario field to vary (repeatable)' })
        .option('shard', { type: 'string', describe: 'i/n: run only this machine\'s share of the cells' }),
      (args) => sweepCommand(args as unknown as SweepArgs))
    .command('merge <files..>', 'join the summary.json files of the shards of one sweep', (y) =>
      y.positional('files', { type: 'string', array: true, demandOption: true, describe: 'summary.json files (or report directories) of every shard' })
        .option('json', { type: 'boolean', default: false, describe: 'print the merged summary.json document instead of the tables' })
        .option('out', { type: 'string', describe: 'report directory (default: reports/<scenario name>/)' }),
      (args) => mergeCommand(args as unknown as MergeArgs))
    .command('regress <scenarios..>', 're-run scenarios and fail (exit 1) when a metric is worse than the baseline', (y) =>
      y.positional('scenarios', { type: 'string', array: true, demandOption: true, describe: 'scenario files' })
        .option('baseline', { type: 'string', demandOption: true, describe: 'baseline file (JSON) to compare with' })
        .option('update', { type: 'boolean', default: false, describe: 'rewrite the baseline with this run instead of failing' })
        .option('replications', { type: 'number', describe: 'replications instead of each scenario\'s' })
        .option('workers', { type: 'number', describe: 'worker threads (default: every core)' })
        .option('all', { type: 'boolean', default: false, describe: 'list every metric checked, not only those that moved' }),
      async (args) => {
        if (!(await regressCommand(args as unknown as RegressArgs))) setExit(EXIT.checkFailed);
      })
    .command('report <summary>', 'rebuild the HTML report (index.html, charts as SVG and PNG) from a summary.json', (y) =>
      y.positional('summary', { type: 'string', demandOption: true, describe: 'summary.json file (or the report directory holding it)' })
        .option('out', { type: 'string', describe: 'directory to write into (default: the summary.json\'s own)' }),
      (args) => reportCommand(args as unknown as ReportArgs))
    .command('validate <scenario>', 'check a scenario file and report what it holds', scenarioArgument,
      (args) => validateCommand(args))
    .command('strategies', 'list the strategies with a one-line description', (y) => y, () => strategiesCommand())
    .command('check <scenarios..>', 'run the strategies held to each scenario\'s targets and fail (exit 1) when one misses a target', (y) =>
      y.positional('scenarios', { type: 'string', array: true, demandOption: true, describe: 'scenario files with a targets section' })
        .option('replications', { type: 'number', describe: 'replications instead of each scenario\'s' })
        .option('seed', { type: 'number', describe: 'seed instead of each scenario\'s' })
        .option('workers', { type: 'number', describe: 'worker threads (default: every core)' }),
      async (args) => {
        if (!(await checkCommand(args as unknown as CheckArgs))) setExit(EXIT.checkFailed);
      })
    .command('schema', 'print the JSON Schema of scenario files (for editors)', (y) => y, () => schemaCommand())
    .demandCommand(1, 'name a command: run, compare, sweep, merge, regress, check, report, validate, strategies or schema')
    .strict()
    .help()
    .version(false)
    .fail((message, error) => {
      if (error !== undefined && error !== null) throw error;
      throw new InputError('command line', '', message);
    });
}

/** Runs the command line on `argv` (without node and script) and resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  try {
    await buildParser(argv, (c) => { code = c; }).parseAsync();
    return code;
  } catch (error) {
    if (isInputError(error)) {
      process.stderr.write(`fleetsim: ${error.message}\n`);
      return EXIT.invalidInput;
    }
    process.stderr.write(`fleetsim: internal error (a bug; please report it with the scenario and seed):\n${(error as Error).stack ?? String(error)}\n`);
    return EXIT.internalError;
  }
}

// A reader that stops early (`fleetsim run … --json | head`) closes the pipe: that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});
process.exitCode = await main(hideBin(process.argv));
