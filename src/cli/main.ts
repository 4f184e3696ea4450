#!/usr/bin/env node
/**
 * The `fleetsim` command line (the README and docs/EXPERIMENTS.md describe the commands). Exit
 * codes: 0 success, 1 a check failed, 2 invalid input (one line naming the file or flag, the
 * field and what was expected; never a stack trace), 3 an internal error (a bug: printed loudly
 * with its stack).
 */
import yargs, { type Argv, type MiddlewareFunction } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { InputError, isInputError } from '../scenario/errors.js';
import type { CheckArgs } from './checkCommand.js';
import type { ExperimentArgs, MergeArgs, SweepArgs } from './experimentCommands.js';
import { packageVersion, unknownCommandError, withExamples } from './help.js';
import type { RegressArgs } from './regressCommand.js';
import type { ReportArgs } from './reportCommand.js';
import type { RunArgs } from './runCommand.js';
import type { ServeArgs } from './serveCommand.js';
import type { AgentsArgs } from './agentsCommand.js';
import type { LoadArgs } from './loadCommand.js';
import type { StatusArgs } from './statusCommand.js';
import type { AgentWorkerArgs } from './agentWorkerCommand.js';
import { traceOptions, type TraceArgs } from './traceFlags.js';
import { calibrateOptions, type CalibrateArgs } from './calibrateFlags.js';
import { QUEUE_OPTION } from './queueFlags.js';
import { rejectMisreadFlagValues, type DeclaredFlags } from './flagValues.js';
import type { WorkerArgs } from './workerCommand.js';
import { DEFAULT_LOCK_SECONDS, DEFAULT_STALLED_CHECK_SECONDS } from '../distributed/stalledJobs.js';

// Each command's module is imported when the command runs, not at start-up: `--help` and a
// short `run` should not pay for the HTTP service, the report's chart stack or the worker pool
// (the start-up figure is in docs/ARCHITECTURE.md, "Speed").

/** Exit codes of the command line. */
export const EXIT = { ok: 0, checkFailed: 1, invalidInput: 2, internalError: 3 } as const;

async function validateCommand(args: { scenario: string; allowHuge: boolean }): Promise<void> {
  const [{ loadScenario }, { workloadTypes }, { counted }] = await Promise.all([
    import('../scenario/load.js'), import('../scenario/workload.js'), import('../counted.js'),
  ]);
  const scenario = loadScenario(args.scenario, { allowHuge: args.allowHuge });
  const types = workloadTypes(scenario.workload);
  process.stdout.write(
    `${args.scenario}: valid scenario "${scenario.name}": ${counted(scenario.agents.length, 'agent')}, ${counted(types.length, 'task type')}, ` +
      `${counted(scenario.strategies.length, 'strategy', 'strategies')}, ${counted(scenario.replications, 'replication')}\n`,
  );
}

async function strategiesCommand(args: { name?: string }): Promise<void> {
  const { strategiesText, strategyTextByName } = await import('./strategiesCommand.js');
  process.stdout.write(args.name === undefined ? strategiesText() : strategyTextByName(args.name));
}

function scenarioArgument(y: Argv): Argv<{ scenario: string }> {
  return y.positional('scenario', { type: 'string', demandOption: true, describe: 'scenario file (YAML or JSON)' }) as Argv<{ scenario: string }>;
}

/** What `--strategy` takes (src/scenario/strategySpec.ts). */
const STRATEGY_FLAG = 'comma-separated strategies to run instead of the scenario\'s: name or name{key=value,…}; '
  + 'a bare name keeps the scenario\'s parameters for it';

const PNG_OPTION = { type: 'boolean', default: false, describe: 'also write each chart as a PNG (2x) beside its SVG (the page itself inlines the SVG)' } as const;

const BY_FLAG = 'also print the metrics by class: type, priority or tenant (a compare: with paired differences)';

/** Options of `compare` and `sweep`. */
function experimentOptions(y: Argv): Argv {
  return scenarioArgument(y)
    .option('strategy', { type: 'string', requiresArg: true, describe: STRATEGY_FLAG })
    .option('seed', { type: 'number', requiresArg: true, describe: 'seed instead of the scenario\'s' })
    .option('replications', { type: 'number', requiresArg: true, describe: 'replications instead of the scenario\'s' })
    .option('baseline', { type: 'string', requiresArg: true, describe: 'strategy the paired differences are taken against (default: the first)' })
    .option('workers', { type: 'number', requiresArg: true, describe: 'threads that run jobs, this one included (default: every core; 1 runs everything in this process)' })
    .option('json', { type: 'boolean', default: false, describe: 'print the summary.json document instead of the tables' })
    .option('out', { type: 'string', requiresArg: true, describe: 'report directory (default: reports/<scenario name>/, for a sweep reports/<scenario name>-sweep/)' })
    .option('allow-huge', { type: 'boolean', default: false, describe: 'run even when one run would simulate more than 10^8 tasks' })
    .option('queue', QUEUE_OPTION)
    .option('png', PNG_OPTION);
}

function buildParser(argv: string[], setExit: (code: number) => void): Argv {
  // Read by the fail handler: the commands as registered, before any command runs.
  let commands: string[] = [];
  // Read before parsing: yargs empties its registry while it runs a command.
  let usages: Readonly<Record<string, string>> = {};
  const parser: Argv = withExamples(yargs(argv), '')
    .scriptName('fleetsim')
    .usage('$0 <command> [options]')
    .command('run <scenario>', 'run every strategy of a scenario and print the comparison', (y) =>
      withExamples(scenarioArgument(y), 'run')
        .option('strategy', { type: 'string', requiresArg: true, describe: STRATEGY_FLAG })
        .option('seed', { type: 'number', requiresArg: true, describe: 'seed instead of the scenario\'s' })
        .option('replications', { type: 'number', requiresArg: true, describe: 'replications instead of the scenario\'s' })
        .option('workers', { type: 'number', requiresArg: true, describe: 'threads that run jobs, this one included (default: every core; 1 runs everything in this process)' })
        .option('json', { type: 'boolean', default: false, describe: 'print the result as one JSON document' })
        .option('out', { type: 'string', requiresArg: true, describe: 'report directory to write (summary.json, CSV, Markdown, HTML), as compare does' })
        .option('png', PNG_OPTION)
        .option('events', { type: 'string', requiresArg: true, describe: 'file to write the event log to (JSON lines)' })
        .option('driver', {
          choices: ['sim', 'live'] as const, default: 'sim', requiresArg: true,
          describe: 'what drives the engine: the simulator, or the live driver with emulated agents on a manual clock (same results)',
        })
        .option('allow-huge', { type: 'boolean', default: false, describe: 'run even when one run would simulate more than 10^8 tasks' })
        .option('by', { type: 'string', requiresArg: true, describe: BY_FLAG }),
      async (args) => (await import('./runCommand.js')).runCommand(args as unknown as RunArgs))
    .command('compare <scenario>', 'rank the strategies of a scenario, with paired differences to a baseline',
      (y) => withExamples(experimentOptions(y).option('by', { type: 'string', requiresArg: true, describe: BY_FLAG }), 'compare'),
      async (args) => (await import('./experimentCommands.js')).compareCommand(args as unknown as ExperimentArgs))
    .command('sweep <scenario>', 'compare the strategies in every cell of a parameter grid', (y) =>
      withExamples(experimentOptions(y), 'sweep')
        .option('param', { type: 'string', requiresArg: true, describe: 'path=value1,value2,… : a scenario field to vary (repeatable)' })
        .option('shard', { type: 'string', requiresArg: true, describe: 'i/n: run only this machine\'s share of the cells' }),
      async (args) => (await import('./experimentCommands.js')).sweepCommand(args as unknown as SweepArgs))
    .command('merge <files..>', 'join the summary.json files of the shards of one sweep', (y) =>
      withExamples(y, 'merge').positional('files', { type: 'string', array: true, demandOption: true, describe: 'summary.json files (or report directories) of every shard' })
        .option('json', { type: 'boolean', default: false, describe: 'print the merged summary.json document instead of the tables' })
        .option('out', { type: 'string', requiresArg: true, describe: 'report directory (default: reports/<scenario name>-sweep/)' })
        .option('png', PNG_OPTION),
      async (args) => (await import('./experimentCommands.js')).mergeCommand(args as unknown as MergeArgs))
    .command('regress <scenarios..>', 're-run scenarios and fail (exit 1) when a metric is worse than the baseline', (y) =>
      withExamples(y, 'regress').positional('scenarios', { type: 'string', array: true, demandOption: true, describe: 'scenario files' })
        .option('baseline', { type: 'string', demandOption: true, requiresArg: true, describe: 'baseline file (JSON) to compare with' })
        .option('update', { type: 'boolean', default: false, describe: 'rewrite the baseline with this run instead of failing' })
        .option('replications', { type: 'number', requiresArg: true, describe: 'replications instead of each scenario\'s' })
        .option('workers', { type: 'number', requiresArg: true, describe: 'threads that run jobs, this one included (default: every core)' })
        .option('all', { type: 'boolean', default: false, describe: 'list every metric checked, not only those that moved' })
        .option('allow-huge', { type: 'boolean', default: false, describe: 'run even when one run would simulate more than 10^8 tasks' })
        .option('queue', QUEUE_OPTION),
      async (args) => {
        if (!(await (await import('./regressCommand.js')).regressCommand(args as unknown as RegressArgs))) setExit(EXIT.checkFailed);
      })
    .command('report <summary>', 'rebuild the HTML report (index.html, charts as SVG, and PNG with --png) from a summary.json', (y) =>
      withExamples(y, 'report').positional('summary', { type: 'string', demandOption: true, describe: 'summary.json file (or the report directory holding it)' })
        .option('out', { type: 'string', requiresArg: true, describe: 'directory to write into (default: the summary.json\'s own)' })
        .option('png', PNG_OPTION),
      async (args) => (await import('./reportCommand.js')).reportCommand(args as unknown as ReportArgs))
    .command('validate <scenario>', 'check a scenario file and report what it holds',
      (y) => withExamples(scenarioArgument(y), 'validate').option('allow-huge', { type: 'boolean', default: false, describe: 'accept a scenario even when one run would simulate more than 10^8 tasks' }),
      (args) => validateCommand(args))
    .command('strategies [name]', 'list the strategies with their parameters and defaults (or one strategy)', (y) =>
      withExamples(y.positional('name', { type: 'string', describe: 'a strategy name' }), 'strategies'),
    (args) => strategiesCommand(args))
    .command('help [command]', 'show the help of a command', (y) =>
      y.positional('command', { type: 'string', describe: 'a command name' }),
    async (args): Promise<void> => {
      const command = (args as { command?: string }).command;
      if (command === undefined) {
        parser.showHelp('log');
        return;
      }
      if (!commands.includes(command)) throw unknownCommandError(command, commands);
      await buildParser([command, '--help'], setExit).parseAsync();
    })
    .command('check <scenarios..>', 'run the strategies held to each scenario\'s targets and fail (exit 1) when one misses a target', (y) =>
      withExamples(y, 'check').positional('scenarios', { type: 'string', array: true, demandOption: true, describe: 'scenario files with a targets section' })
        .option('replications', { type: 'number', requiresArg: true, describe: 'replications instead of each scenario\'s' })
        .option('seed', { type: 'number', requiresArg: true, describe: 'seed instead of each scenario\'s' })
        .option('workers', { type: 'number', requiresArg: true, describe: 'threads that run jobs, this one included (default: every core)' }),
      async (args) => {
        if (!(await (await import('./checkCommand.js')).checkCommand(args as unknown as CheckArgs))) setExit(EXIT.checkFailed);
      })
    .command('calibrate <events>', 'fit a scenario (fleet, speeds, failures, quality, workload) from an events file (docs/CALIBRATION.md)', calibrateOptions, async (args) => (await import('./calibrateCommand.js')).calibrateCommand(args as unknown as CalibrateArgs))
    .command('serve <scenario>', 'run the scenario\'s engine as an HTTP service that agents pull work from (docs/LIVE.md)', (y) =>
      withExamples(scenarioArgument(y), 'serve')
        .option('data', { type: 'string', demandOption: true, requiresArg: true, describe: 'data directory (write-ahead log, events); created if missing' })
        .option('port', { type: 'number', default: 8080, requiresArg: true, describe: 'port to listen on (0: any free port)' })
        .option('host', { type: 'string', default: '127.0.0.1', requiresArg: true, describe: 'address to listen on' })
        .option('token-file', { type: 'string', requiresArg: true, describe: 'YAML file mapping bearer tokens to roles (submitter, admin, agent:<id>, agent:*)' })
        .option('latency-probe', { type: 'boolean', default: false, describe: 'time where each task waits before its start reaches an agent, and event-loop stalls (GET /v1/latency)' })
        .option('fsyncs-in-flight', { type: 'number', default: 3, requiresArg: true, describe: 'fsyncs of the write-ahead log under way at once, 1..8 (fewer: larger group commits, less CPU per input)' })
        .option('commit-interval-ms', { type: 'number', default: 0, requiresArg: true, describe: 'group-commit pacing, 0..100 ms: a write-ahead log group is held until this long after the previous one began (larger groups, fewer fsyncs and less CPU per input, for more latency; 0: none)' })
        .option('wal-preallocate-mib', { type: 'number', default: 16, requiresArg: true, describe: 'MiB of the write-ahead log zeroed ahead of its writer, 0..4096, so that each group commit overwrites the file instead of growing it (a cheaper fdatasync); 0: append' })
        .option('snapshot-every', { type: 'number', default: 100_000, requiresArg: true, describe: 'inputs between two compactions (snapshot, new log file), 1,000..100,000,000: rarer ones hold the event loop less often, and a restart replays more of the log' })
        .option('agents', { choices: ['http', 'bullmq'] as const, default: 'http', requiresArg: true, describe: 'how agents get their work: polling this service over HTTP, or from BullMQ queues in Redis (--queue)' })
        .option('queue', { type: 'string', requiresArg: true, describe: 'the Redis of --agents bullmq, redis://HOST:PORT/DB' })
        .option('v8-threads', { type: 'string', default: 'auto', requiresArg: true, describe: 'V8 helper threads of the service (--v8-pool-size), 1..64, in a child process unless this one has them; auto: one on a host of two cores or fewer unless the Node flags set it, else Node\'s default' })
        .option('helper-nice', { type: 'number', default: 10, requiresArg: true, describe: 'nice value, 0..19, of the service\'s threads other than its event loop (libuv\'s pool, V8\'s helpers; Linux), so that a helper the loop wakes does not take its core; 0: leave them' }),
      async (args) => {
        const code = await (await import('./serveCommand.js')).serveCommand(args as unknown as ServeArgs);
        if (code !== EXIT.ok) setExit(code);
      })
    .command('agents <scenario>', 'run the scenario\'s agents as emulated HTTP clients of a fleetsim serve (docs/LIVE.md)', (y) =>
      withExamples(scenarioArgument(y), 'agents')
        .option('url', { type: 'string', demandOption: true, requiresArg: true, describe: 'the service, e.g. http://127.0.0.1:8080' })
        .option('token', { type: 'string', requiresArg: true, describe: 'bearer token (an agent:* or agent:<id> role; with autoscaled pools, provisioner:<pool> or provisioner:* too)' })
        .option('speedup', { type: 'number', default: 1, requiresArg: true, describe: 'K: service and offer response times divided by K, speeds multiplied by K' })
        .option('only', { type: 'string', requiresArg: true, describe: 'comma-separated ids of the scenario\'s agents to run (default: all)' })
        .option('provision', { type: 'boolean', default: true, describe: 'start the agents the service asks for in the scenario\'s autoscaled pools (--no-provision: do not)' })
        .option('provisioner-name', { type: 'string', requiresArg: true, describe: 'the name this process\'s pool provisioners give the service, which leases each request to the provisioner that took it: visible ASCII, 1..128 characters (default <host>-<pid>)' }),
      async (args) => {
        if (!(await (await import('./agentsCommand.js')).agentsCommand(args as unknown as AgentsArgs))) setExit(EXIT.checkFailed);
      })
    .command('agent-worker', 'run emulated scenario agents that take their work from BullMQ queues in Redis (docs/DISTRIBUTED.md)', (y) =>
      withExamples(y, 'agent-worker')
        .option('queue', { type: 'string', demandOption: true, requiresArg: true, describe: 'the Redis, redis://HOST:PORT/DB' })
        .option('agent', { type: 'string', requiresArg: true, describe: 'agent id, or comma-separated ids (each takes work from fleetsim:agent:<id>); required unless --provision' })
        .option('emulate', { type: 'string', demandOption: true, requiresArg: true, describe: 'scenario whose agent model runs the attempts (its agents, seed)' })
        .option('speedup', { type: 'number', default: 1, requiresArg: true, describe: 'K: attempt durations divided by K' })
        .option('lock-seconds', { type: 'number', default: 30, requiresArg: true, describe: 'job lock: a worker silent this long has stalled, and its attempt fails' })
        .option('provision', { type: 'string', requiresArg: true, describe: 'autoscaled pool(s), comma-separated: start their new agents here (from fleetsim:pool:<pool>)' })
        .option('virtual-time', { type: 'boolean', default: false, describe: 'answer every attempt, offer and provision at once with its planned duration, answer delay or cold start, for a driver on a manual clock (VirtualTimeConnector)' }),
      async (args) => (await import('./agentWorkerCommand.js')).agentWorkerCommand(args as unknown as AgentWorkerArgs))
    .command('load <scenario>', 'submit the scenario\'s workload to a fleetsim serve in real time (docs/LIVE.md)', (y) =>
      withExamples(scenarioArgument(y), 'load')
        .option('url', { type: 'string', demandOption: true, requiresArg: true, describe: 'the service, e.g. http://127.0.0.1:8080' })
        .option('token', { type: 'string', requiresArg: true, describe: 'bearer token (a submitter role)' })
        .option('speedup', { type: 'number', default: 1, requiresArg: true, describe: 'K: arrival times, relative deadlines, timeouts and TTLs divided by K' })
        .option('tasks', { type: 'number', requiresArg: true, describe: 'submit at most this many tasks (the earliest)' })
        .option('acked', { type: 'string', requiresArg: true, describe: 'file to write the acknowledged task ids to, one a line' })
        .option('id-prefix', { type: 'string', requiresArg: true, describe: 'prefix for every task id (to load one service twice)' })
        .option('batch', { type: 'number', default: 200, requiresArg: true, describe: 'tasks per POST /v1/tasks/batch at most (those ready at once go together); 1: one POST /v1/tasks per task' }),
      async (args) => {
        if (!(await (await import('./loadCommand.js')).loadCommand(args as unknown as LoadArgs))) setExit(EXIT.checkFailed);
      })
    // The description stays ASCII: an ellipsis in the top-level help sent yargs' width measure
    // (string-width) through its segmenter and emoji patterns, 3 MB more for every `fleetsim --help`.
    .command('status', 'print the tasks, latency and throughput figures of a running fleetsim serve (docs/LIVE.md)', (y) =>
      withExamples(y, 'status')
        .option('url', { type: 'string', demandOption: true, requiresArg: true, describe: 'the service, e.g. http://127.0.0.1:8080' })
        .option('token', { type: 'string', requiresArg: true, describe: 'bearer token (any role)' })
        .option('window', { type: 'number', requiresArg: true, describe: 'seconds: the metrics over about the last this many seconds instead of the whole history (at most the service\'s live.metricsWindowSeconds)' })
        .option('watch', { type: 'number', requiresArg: true, describe: 'seconds: print a report every this many seconds (at least 0.1) until SIGINT or SIGTERM; an unreachable service is tried again at the next one' })
        .option('json', { type: 'boolean', default: false, describe: 'print the service\'s metrics document instead (with --watch: one document a line)' }),
      async (args) => {
        if (!(await (await import('./statusCommand.js')).statusCommand(args as unknown as StatusArgs))) setExit(EXIT.checkFailed);
      })
    .command('worker', 'run the jobs of experiments started with --queue, until SIGINT or SIGTERM (docs/DISTRIBUTED.md)', (y) =>
      withExamples(y, 'worker')
        .option('queue', { type: 'string', demandOption: true, requiresArg: true, describe: 'redis://HOST:PORT/DB: the Redis the experiments were started with' })
        .option('concurrency', { type: 'number', requiresArg: true, describe: 'jobs run at once, one thread each (default: every core)' })
        .option('lock-seconds', { type: 'number', default: DEFAULT_LOCK_SECONDS, requiresArg: true, describe: 'lock of a running job, renewed every half: a dead worker\'s job is taken back after it' })
        .option('stalled-check-seconds', { type: 'number', default: DEFAULT_STALLED_CHECK_SECONDS, requiresArg: true, describe: 'time between two checks for jobs of dead workers' }),
      async (args) => (await import('./workerCommand.js')).workerCommand(args as unknown as WorkerArgs))
    .command('trace <action> <file>', 'statistics of a trace file (trace stats <file> --format F)', (y) => withExamples(traceOptions(y), 'trace'), async (args) => (await import('./traceCommand.js')).traceCommand(args as unknown as TraceArgs))
    .command('schema', 'print the JSON Schema of scenario files (for editors)', (y) => withExamples(y, 'schema'), async () => (await import('./schemaCommand.js')).schemaCommand())
    .middleware(flagValueCheck(argv))
    .demandCommand(1)
    .strict()
    .help()
    .version(packageVersion())
    .fail((message, error) => {
      // yargs reports a flag given without its value (`requiresArg`) as a YError: input, not a bug.
      if (error !== undefined && error !== null && error.name !== 'YError') throw error;
      const text = message ?? error?.message ?? 'invalid command line';
      const missing = /^Not enough arguments following: (\S+)$/.exec(text);
      if (missing !== null) throw new InputError('command line', `--${missing[1]}`, 'expected a value after the flag');
      // yargs splits a word such as `-Infinity` into one-letter options (I, n, f, …), none of which exist.
      const cluster = wordsBeforeDoubleDash(argv).find((word) => /^-[^-\d.]/.test(word));
      if (cluster !== undefined && /^Unknown arguments?: /.test(text)) {
        throw new InputError('command line', cluster, 'unknown option: options start with "--" (a value starting with "-" goes after "=", as in --flag=-1)');
      }
      const first = argv[0];
      if (first === undefined || (!first.startsWith('-') && !commands.includes(first))) throw unknownCommandError(first, commands);
      // yargs counts the missing positionals without naming them: say what the command takes.
      const usage = usages[first];
      if (/^Not enough non-option arguments: /.test(text) && usage !== undefined) {
        throw new InputError('command line', first, `expected fleetsim ${usage} (fleetsim help ${first} shows its options)`);
      }
      throw new InputError('command line', '', text);
    });
  commands = registeredCommands(parser);
  usages = commandUsages(parser);
  skipHelpCache(parser);
  return parser;
}

/** The words of a command line before its `--`, after which nothing is an option. */
function wordsBeforeDoubleDash(argv: readonly string[]): readonly string[] {
  const end = argv.indexOf('--');
  return end === -1 ? argv : argv.slice(0, end);
}

/**
 * Checks the flag values of the command being run (src/cli/flagValues.ts); yargs hands a
 * middleware that command's parser as a second argument, which its typings leave out.
 */
function flagValueCheck(argv: readonly string[]): MiddlewareFunction {
  const check = (_args: unknown, commandParser: { getOptions(): DeclaredFlags }): void =>
    rejectMisreadFlagValues(argv, commandParser.getOptions());
  return check as unknown as MiddlewareFunction;
}

/**
 * yargs renders a command's whole help text (every option, wrapped to the terminal) as it starts
 * the command's handler, in case the handler shows it; ours never do (`help` shows the top
 * level's, rendered when asked), and the rendering was ~10% of a short `run`'s start-up.
 */
function skipHelpCache(parser: Argv): void {
  const internal = parser as unknown as { getInternalMethods(): { getUsageInstance(): { cacheHelpMessage(): void } } };
  internal.getInternalMethods().getUsageInstance().cacheHelpMessage = () => undefined;
}

/** The parts of yargs' command registry read here (not in its typed API). */
interface CommandRegistry {
  getCommands(): string[];
  getCommandHandlers(): Record<string, { readonly original: string } | undefined>;
}

function commandRegistry(parser: Argv): CommandRegistry {
  return (parser as unknown as { getInternalMethods(): { getCommandInstance(): CommandRegistry } }).getInternalMethods().getCommandInstance();
}

/** Names of the top-level commands (yargs keeps them; its public API does not list them). */
function registeredCommands(parser: Argv): string[] {
  return commandRegistry(parser).getCommands();
}

/** Each command as it was registered, with its positionals (`run: 'run <scenario>'`). */
function commandUsages(parser: Argv): Record<string, string> {
  const handlers = commandRegistry(parser).getCommandHandlers();
  return Object.fromEntries(Object.entries(handlers).flatMap(([name, handler]) => (handler === undefined ? [] : [[name, handler.original]])));
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
// Not a top-level await: the bin runs this module inside a CommonJS bundle (src/cli/codeCache.ts).
void main(hideBin(process.argv)).then((code) => {
  process.exitCode = code;
});
