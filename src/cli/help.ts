/**
 * What a newcomer reads first: the examples shown by `--help` (the top level and each command),
 * the version, and the message for a command that does not exist.
 */
import { readFileSync } from 'node:fs';
import { InputError, didYouMean } from '../scenario/errors.js';

/** `[command line, what it does]` pairs, by command (`''` is the top level). */
export const EXAMPLES: Readonly<Record<string, readonly (readonly [string, string])[]>> = {
  '': [
    ['$0 run scenarios/specialists.yaml', 'run every strategy of a scenario and print the comparison'],
    ['$0 compare scenarios/specialists.yaml', 'rank the strategies, write reports/<scenario name>/'],
    ['$0 strategies', 'list the strategies and their parameters'],
    ['$0 help run', 'the options of one command'],
  ],
  run: [
    ['$0 run scenarios/hoarding.yaml --seed 9 --replications 10', 'another seed, more replications'],
    ['$0 run scenarios/identical-high-load.yaml --strategy random,power-of-d', 'only these strategies'],
    ['$0 run scenarios/identical-high-load.yaml --strategy \'power-of-d{d=3},random\'', 'a strategy with parameters'],
    ['$0 run scenarios/specialists.yaml --json --out reports/specialists', 'the result as JSON, also written to a directory'],
  ],
  compare: [
    ['$0 compare scenarios/specialists.yaml', 'leaderboards and paired differences, report in reports/<scenario name>/'],
    ['$0 compare scenarios/identical-high-load.yaml --baseline random --out reports/high-load', 'differences to random, report in reports/high-load/'],
  ],
  sweep: [
    ['$0 sweep scenarios/specialists.yaml --param \'agents[0].count=3,4,5,6\'', 'compare in every cell, report in reports/<scenario name>-sweep/'],
    ['$0 sweep scenarios/specialists.yaml --param \'agents[0].count=3,4,5,6\' --shard 1/2 --out reports/shards/1', 'this machine\'s half of the cells'],
    ['$0 sweep scenarios/specialists.yaml --param \'agents[0].count=3,4,5,6\' --queue redis://10.0.0.5:6379/0', 'the runs on fleetsim worker processes of any machine'],
  ],
  worker: [
    ['$0 worker --queue redis://10.0.0.5:6379/0', 'run experiments\' jobs on this machine, one per core'],
    ['$0 worker --queue redis://10.0.0.5:6379/0 --concurrency 2', 'two jobs at a time'],
  ],
  merge: [
    ['$0 merge reports/shards/1 reports/shards/2 --out reports/grid', 'join the shards of one sweep'],
  ],
  regress: [
    ['$0 regress scenarios/*.yaml --baseline reports/baseline/library.json', 'fail (exit 1) when a metric got worse'],
    ['$0 regress scenarios/hoarding.yaml --baseline reports/my-baseline.json --update', 'accept the current figures'],
  ],
  report: [
    ['$0 report reports/specialists-under-pressure/summary.json', 'redraw the HTML report from saved results'],
  ],
  validate: [
    ['$0 validate scenarios/specialists.yaml', 'check a scenario file'],
  ],
  check: [
    ['$0 check scenarios/team-targets.yaml', 'exit 1 when a targeted strategy misses one of the scenario\'s targets'],
    ['$0 check scenarios/team-targets.yaml --replications 10 --seed 3', 'more replications, another seed'],
  ],
  calibrate: [
    ['$0 calibrate events.jsonl --out calibrated.yaml', 'fit the fleet; the workload replays the events file'],
    ['$0 calibrate events.jsonl --out calibrated.yaml --synthetic --json', 'a fitted Poisson workload; the fit as JSON'],
  ],
  serve: [
    ['$0 serve scenarios/specialists.yaml --data /tmp/fleet --port 8080', 'the scenario\'s engine as an HTTP service on 127.0.0.1:8080'],
    ['$0 serve scenarios/specialists.yaml --data /tmp/fleet --token-file tokens.yaml', 'every request needs a bearer token of the file'],
    ['$0 serve scenarios/specialists.yaml --data /tmp/fleet --agents bullmq --queue redis://127.0.0.1:6379/0', 'agents take their work from BullMQ queues in Redis'],
  ],
  'agent-worker': [
    ['$0 agent-worker --queue redis://127.0.0.1:6379/0 --agent coder-0,coder-1 --emulate scenarios/specialists.yaml --speedup 100', 'two emulated agents, 100 times faster, taking work from their queues'],
    ['$0 agent-worker --queue redis://127.0.0.1:6379/0 --agent core-0,burst-0 --provision burst --emulate scenarios/autoscaled-burst.yaml', 'two agents, and the new agents the autoscaler asks of pool burst'],
  ],
  agents: [
    ['$0 agents scenarios/specialists.yaml --url http://127.0.0.1:8080 --speedup 100', 'the scenario\'s agents, 100 times faster, pulling work from the service'],
    ['$0 agents scenarios/specialists.yaml --url http://127.0.0.1:8080 --only coder-0,coder-1', 'only these agents'],
  ],
  load: [
    ['$0 load scenarios/specialists.yaml --url http://127.0.0.1:8080 --speedup 100', 'the scenario\'s workload, 100 times faster'],
    ['$0 load scenarios/specialists.yaml --url http://127.0.0.1:8080 --tasks 500 --acked /tmp/acked.txt', 'the first 500 tasks; the acknowledged ids to a file'],
  ],
  status: [
    ['$0 status --url http://127.0.0.1:8080', 'tasks by state, latency, throughput, … over the whole history'],
    ['$0 status --url http://127.0.0.1:8080 --window 60 --watch 2', 'the same over about the last minute, every 2 s until Ctrl-C'],
    ['$0 status --url http://127.0.0.1:8080 --json', 'the service\'s metrics document'],
  ],
  schema: [
    ['$0 schema > scenario.schema.json', 'the JSON Schema of scenario files, for editors'],
  ],
  trace: [
    ['$0 trace stats ../shared/traces/azure-llm-2023/AzureLLMInferenceTrace_conv.csv --format azure-llm', 'rows, rates, token percentiles, inter-arrival CV'],
    ['$0 trace stats conversation_trace.jsonl --format mooncake --json', 'the same as JSON, with the prefix-reuse ratio'],
  ],
  strategies: [
    ['$0 strategies', 'every strategy with its parameters and defaults'],
    ['$0 strategies power-of-d', 'one strategy'],
  ],
};

/** The part of a yargs parser that takes examples. */
interface TakesExamples<T> {
  example(command: string, description: string): T;
}

/** `y` with the examples of `command` (see {@link EXAMPLES}) added to its help. */
export function withExamples<T extends TakesExamples<T>>(y: T, command: string): T {
  return (EXAMPLES[command] ?? []).reduce((parser, [line, description]) => parser.example(line, description), y);
}

/** The `version` of the package.json next to the built CLI (`dist/src/cli` → the package root). */
export function packageVersion(): string {
  const text = readFileSync(new URL('../../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

/**
 * The error for a command line whose first word is not a command: names it, suggests the
 * closest command, and lists them all. With no word at all, asks for a command.
 */
export function unknownCommandError(word: string | undefined, commands: readonly string[]): InputError {
  const list = commands.join(', ');
  if (word === undefined) return new InputError('command line', '', `name a command: ${list} (fleetsim --help shows each)`);
  return new InputError('command line', '', `unknown command "${word}"${didYouMean(word, commands)}; commands: ${list}`);
}
