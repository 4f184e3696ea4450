/**
 * Bad command-line flags never crash, as a property: for every command of the built command line,
 * a valid command line is mutated (one or two edits: one of the command's own options, read from
 * its `--help`, given a bad value, no value, two different values or a `--no-` form; a typo of one
 * of its options; an extra positional; an option of another command). The process either succeeds
 * (exit 0; 1 for `check` and `regress`, whose verdict that is) or exits 2 with exactly one line on
 * stderr that names an offending flag or positional, with no stack trace. A run that outlives its
 * timeout fails the case.
 *
 * The commands that start a service, agents, a load or a worker (serve, agents, load,
 * agent-worker, worker), and status (with --watch, or reading a service), would run until stopped
 * or reach out to a service on a valid command line: in the first property
 * they get only the edits that must be refused before anything starts (a typo, an extra
 * positional, another command's option), and must exit 2. Two more properties give serve, agents
 * and load, then worker and agent-worker on a real `redis-server`, values of their own options
 * (bad ones and some they may take, replacing a value the valid line gives): each case is either
 * refused as above, or starts (says where it listens, polls or submits: see STARTED) and then
 * stops on SIGTERM, exit 0 (or load's 1: a submission unacknowledged), with no stack trace on
 * either stream.
 *
 * Each case spawns the built command line (`npm test` builds it first) in a scratch directory, two
 * at a time; 300 cases take about 21 s on two cores (27 s for the file with its set-up), and the
 * long-running commands' 2 × 40 about 8 s each.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redisServer.js';
import { ROOT } from './runCli.js';

const CLI = join(ROOT, 'dist/src/cli/main.js');
/** Longest a case may run (a valid short run takes about a second). */
const CASE_TIMEOUT_MS = 30_000;
/** Cases generated, two run at once. */
const CASES = 300;

/** One option as a command's help lists it. */
interface HelpOption {
  /** Its name without the dashes. */
  readonly name: string;
  /** `number`, `string`, `boolean` or `choices`. */
  readonly type: string;
}

/** Exit code, stdout and stderr of one case; status null when the timeout (or a signal) ended it. */
interface CaseRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const scratch = mkdtempSync(join(tmpdir(), 'fleetsim-flags-'));
const scenario = join(scratch, 'small.yaml');
const events = join(scratch, 'events.jsonl');
const report = join(scratch, 'report');
const shard = join(scratch, 'shard');
const baseline = join(scratch, 'baseline.json');
const trace = join(scratch, 'trace.csv');
const missingPath = join(scratch, 'no-such-dir', 'no-such-file');
/** The data directory of serve's valid line (a case running it gets one of its own). */
const SERVE_DATA = join(scratch, 'data');

/** A valid command line of each command, the mutations' starting point (files made in beforeAll). */
const VALID: Readonly<Record<string, readonly string[]>> = {
  run: ['run', scenario, '--workers', '1'],
  compare: ['compare', scenario, '--workers', '1', '--out', join(scratch, 'compare')],
  sweep: ['sweep', scenario, '--workers', '1', '--out', join(scratch, 'sweep'), '--param', 'agents[0].count=3,4'],
  merge: ['merge', join(shard, 'summary.json'), '--out', join(scratch, 'merged')],
  regress: ['regress', scenario, '--baseline', baseline, '--workers', '1'],
  report: ['report', join(report, 'summary.json'), '--out', join(scratch, 'rebuilt')],
  validate: ['validate', scenario],
  strategies: ['strategies'],
  check: ['check', join(ROOT, 'scenarios/team-targets.yaml'), '--replications', '1', '--workers', '1'],
  calibrate: ['calibrate', events, '--out', join(scratch, 'calibrated.yaml')],
  trace: ['trace', 'stats', trace, '--format', 'csv', '--columns', 'time=t,tokens=out'],
  schema: ['schema'],
  serve: ['serve', scenario, '--data', SERVE_DATA, '--port', '0'],
  agents: ['agents', scenario, '--url', 'http://127.0.0.1:9'],
  load: ['load', scenario, '--url', 'http://127.0.0.1:9'],
  status: ['status', '--url', 'http://127.0.0.1:9'],
  'agent-worker': ['agent-worker', '--queue', 'redis://127.0.0.1:9/0', '--agent', 'a', '--emulate', scenario],
  worker: ['worker', '--queue', 'redis://127.0.0.1:9/0'],
};

/** What the long-running commands print once they run and a stop signal stops them cleanly. */
const STARTED: Readonly<Record<string, RegExp>> = {
  serve: /listening on http/,
  agents: /agents polling/,
  load: /fleetsim load: submitting/,
  worker: /fleetsim worker: taking experiment jobs/,
  'agent-worker': /fleetsim agent-worker: .* taking work from/,
};
/** Cases of the long-running commands' option values, two run at once. */
const LONG_RUNNING_CASES = 40;

/** Commands that run until stopped (status: with --watch) or ask a service when their command line is valid. */
const STARTS_SOMETHING = new Set(['serve', 'agents', 'load', 'status', 'agent-worker', 'worker']);
/** Commands whose exit 1 is a verdict (a metric or target missed), not a failure. */
const MAY_EXIT_ONE = new Set(['check', 'regress']);

/** Bad values given to an option: of another type, at a type's edges, a missing path and a directory. */
const BAD_VALUES: readonly string[] = [
  '', 'text', '-1', '0', '-0', 'NaN', 'Infinity', '-Infinity', '1e308', '0.5', '2.5', '9007199254740993', '0x10', ' ', missingPath, scratch,
];

function spawnCli(args: readonly string[]): Promise<CaseRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: scratch, timeout: CASE_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/**
 * Runs a long-running command line until it exits or has started (see {@link STARTED}), and in
 * the second case stops it with SIGTERM and waits for it to end; `started` says which it was.
 */
function spawnUntilStarted(command: string, args: readonly string[]): Promise<CaseRun & { readonly started: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: scratch, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let started = false;
    const stop = (): void => {
      if (started) return;
      started = true;
      child.kill('SIGTERM');
    };
    const marker = STARTED[command]!;
    const onOutput = (): void => {
      if (marker.test(stdout + stderr)) stop();
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; onOutput(); });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; onOutput(); });
    // A process that neither starts nor ends, or does not stop on SIGTERM, fails the case: it ends with status null.
    const killTimer = setTimeout(() => child.kill('SIGKILL'), CASE_TIMEOUT_MS);
    child.on('close', (status) => {
      clearTimeout(killTimer);
      resolve({ status, stdout, stderr, started });
    });
  });
}

/** The options a command's help lists under "Options:" with their types, --help and --version left out. */
function helpOptions(command: string): HelpOption[] {
  const help = spawnSync(process.execPath, [CLI, command, '--help'], { cwd: scratch, encoding: 'utf8', timeout: CASE_TIMEOUT_MS });
  expect(help.status, help.stderr).toBe(0);
  const section = help.stdout.split(/\n(?=\S)/).find((part) => part.startsWith('Options:')) ?? '';
  const entries = section.split(/\n(?= {2}--)/).slice(1);
  return entries.flatMap((entry) => {
    const name = /^ {2}--([a-z][\w-]*)/.exec(entry)?.[1];
    const type = /\[(number|string|boolean|choices)\b/.exec(entry)?.[1];
    return name === undefined || type === undefined || name === 'help' || name === 'version' ? [] : [{ name, type }];
  });
}

const COMMANDS = Object.keys(VALID);
const OPTIONS = new Map(COMMANDS.map((command) => [command, helpOptions(command)]));
const ALL_OPTION_NAMES = [...new Set([...OPTIONS.values()].flat().map((option) => option.name))].sort();

/** One edit of a valid command line; draws pick the option and value (taken modulo the candidates). */
type Edit =
  | { readonly kind: 'value'; readonly option: number; readonly value: string; readonly joined: boolean }
  | { readonly kind: 'missing-value'; readonly option: number }
  | { readonly kind: 'twice'; readonly option: number; readonly first: string; readonly second: string }
  | { readonly kind: 'negated'; readonly option: number }
  | { readonly kind: 'typo'; readonly option: number; readonly at: number; readonly how: 'drop' | 'double' | 'swap' }
  | { readonly kind: 'positional'; readonly word: string }
  | { readonly kind: 'foreign'; readonly option: number };

const pick = fc.nat({ max: 10_000 });
const badValue = fc.constantFrom(...BAD_VALUES);
const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('value' as const), option: pick, value: badValue, joined: fc.boolean() }),
  fc.record({ kind: fc.constant('missing-value' as const), option: pick }),
  fc.record({ kind: fc.constant('twice' as const), option: pick, first: fc.constantFrom('1', '2', 'a', 'true'), second: fc.constantFrom('3', 'b', 'false') }),
  fc.record({ kind: fc.constant('negated' as const), option: pick }),
  fc.record({ kind: fc.constant('typo' as const), option: pick, at: pick, how: fc.constantFrom('drop' as const, 'double' as const, 'swap' as const) }),
  fc.record({ kind: fc.constant('positional' as const), word: fc.constantFrom('extra', '12', missingPath) }),
  fc.record({ kind: fc.constant('foreign' as const), option: pick }),
);

/** Edits that yargs must refuse before any command runs. */
const REFUSED_EARLY = new Set<Edit['kind']>(['typo', 'positional', 'foreign']);

/**
 * The edits drawn for `command`: only those refused before anything starts for a command that
 * would run until stopped, and no edit of an option for one that has none (`schema`).
 */
function editsOf(command: string): fc.Arbitrary<Edit> {
  if (OPTIONS.get(command)!.length === 0) return editArb.filter((edit) => edit.kind === 'positional' || edit.kind === 'foreign');
  return STARTS_SOMETHING.has(command) ? editArb.filter((edit) => REFUSED_EARLY.has(edit.kind)) : editArb;
}

/** A typo of `name` that is no option of any command (a letter too many at its end when the drawn one is). */
function typoOf(name: string, at: number, how: 'drop' | 'double' | 'swap'): string {
  const i = at % name.length;
  const typo = how === 'drop' ? name.slice(0, i) + name.slice(i + 1)
    : how === 'double' ? name.slice(0, i + 1) + name.slice(i)
      : name.slice(0, i) + (name[i + 1] ?? '') + name[i] + name.slice(i + 2);
  // yargs reads `fsyncs-in--flight` as `fsyncs-in-flight` (both camel-case alike): no typo to it.
  const spelledAlike = typo.replace(/-+([a-z])/g, (_, letter: string) => letter.toUpperCase()) === name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
  return typo.length < 2 || spelledAlike || ALL_OPTION_NAMES.includes(typo) ? `${name}x` : typo;
}

/** A mutated command line and the flags or positionals it made offending (any may be the one named). */
interface Mutated {
  readonly args: string[];
  readonly offending: string[];
}

/**
 * Applies `edits` to command's valid line; an edit with nothing to apply to does nothing. Given
 * a `base` line (the long-running commands' property), a value given to an option that line
 * already gives replaces its value there (else the option would be given twice, which is refused
 * before its value is looked at).
 */
function mutate(command: string, edits: readonly Edit[], base?: readonly string[]): Mutated {
  const replacing = base !== undefined;
  const args = [...(base ?? VALID[command]!)];
  const offending: string[] = [];
  const own = OPTIONS.get(command)!;
  for (const edit of edits) {
    if (edit.kind === 'positional') {
      args.push(edit.word);
      offending.push(edit.word);
      continue;
    }
    if (edit.kind === 'foreign') {
      const foreign = ALL_OPTION_NAMES.filter((name) => !own.some((option) => option.name === name));
      const name = foreign[edit.option % foreign.length]!;
      args.push(`--${name}`, '1');
      offending.push(name);
      continue;
    }
    if (own.length === 0) continue;
    const option = own[edit.option % own.length]!;
    const flag = `--${option.name}`;
    switch (edit.kind) {
      case 'value': {
        const given = replacing ? args.indexOf(flag) : -1;
        if (given >= 0) args.splice(given, 2, ...(edit.joined ? [`${flag}=${edit.value}`] : [flag, edit.value]));
        else args.push(...(edit.joined ? [`${flag}=${edit.value}`] : [flag, edit.value]));
        // A switch does not take the next word: it is then an extra positional, which may be the one named.
        offending.push(edit.value);
        break;
      }
      case 'missing-value': args.push(flag); break;
      case 'twice':
        args.push(flag, edit.first, flag, edit.second);
        offending.push(edit.first, edit.second);
        break;
      case 'negated': args.push(`--no-${option.name}`); break;
      case 'typo': {
        const typo = typoOf(option.name, edit.at, edit.how);
        args.push(`--${typo}`);
        offending.push(typo);
        continue;
      }
    }
    offending.push(option.name);
  }
  return { args, offending };
}

/** Whether `line` names `name`: a blank one quoted (`fleetsim: " ": cannot read file`), as it would not show. */
function namedIn(line: string, name: string): boolean {
  return name.trim() === '' ? line.includes(JSON.stringify(name)) : line.includes(name);
}

/** What is wrong with how the command line answered `mutated`, or undefined when all is well. */
function problemWith(command: string, mutated: Mutated, run: CaseRun): string | undefined {
  if (run.status === null) return `no exit within ${CASE_TIMEOUT_MS} ms (or ended by a signal)`;
  const mustRefuse = STARTS_SOMETHING.has(command);
  if (run.status === 0 || (run.status === 1 && MAY_EXIT_ONE.has(command))) {
    return mustRefuse ? `exit ${run.status} where a refusal (exit 2) was due` : undefined;
  }
  if (run.status !== 2) return `exit ${run.status}: ${run.stderr}`;
  const lines = run.stderr.replace(/\n$/, '').split('\n');
  if (lines.length !== 1) return `stderr of ${lines.length} lines: ${run.stderr}`;
  if (/^\s+at |Error:|node:internal/.test(run.stderr)) return `a stack trace or internal error: ${run.stderr}`;
  if (mutated.offending.length > 0 && !mutated.offending.some((name) => namedIn(lines[0]!, name))) {
    return `names none of ${mutated.offending.join(', ')}: ${lines[0]}`;
  }
  return undefined;
}

beforeAll(() => {
  const firstLook = readFileSync(join(ROOT, 'scenarios/first-look.yaml'), 'utf8');
  // first-look, two short replications: a valid run takes about a second.
  writeFileSync(scenario, firstLook.replace(/^replications: \d+$/m, 'replications: 2').replace(/^stop: .*$/m, 'stop: { time: 900 }'));
  writeFileSync(trace, 't,out\n0,10\n1,20\n2,15\n');
  mkdirSync(report);
  const setUp = [
    ['run', scenario, '--workers', '1', '--events', events],
    ['compare', scenario, '--workers', '1', '--out', report],
    ['sweep', scenario, '--workers', '1', '--param', 'agents[0].count=3', '--shard', '1/1', '--out', shard],
    ['regress', scenario, '--baseline', baseline, '--update', '--workers', '1'],
  ];
  for (const args of setUp) {
    const run = spawnSync(process.execPath, [CLI, ...args], { cwd: scratch, encoding: 'utf8', timeout: CASE_TIMEOUT_MS });
    expect(run.status, `${args.join(' ')}: ${run.stderr}`).toBe(0);
  }
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * The long-running commands' property (see the file's comment) over `commands`, each mutated from
 * its line in `lines`: LONG_RUNNING_CASES cases, two at once, drawn with `seed`.
 */
async function checkLongRunning(commands: readonly string[], lines: Readonly<Record<string, readonly string[]>>, seed: number): Promise<void> {
  // Values only (a flag given twice, negated or without its value is refused before anything
  // else, as the other property shows), some of them ones a command may take.
  const valueEdit = fc.record({ kind: fc.constant('value' as const), option: pick, value: fc.constantFrom(...BAD_VALUES, '1', '2', '100'), joined: fc.boolean() });
  const caseArb = fc.constantFrom(...commands).chain((command) => fc.record({
    command: fc.constant(command),
    edits: fc.array(valueEdit, { minLength: 1, maxLength: 2 }),
  }));
  let started = 0;
  let caseNumber = 0;
  await fc.assert(
    fc.asyncProperty(caseArb, caseArb, async (...cases) => {
      const runs = await Promise.all(cases.map(async ({ command, edits }, i) => {
        const mutated = mutate(command, edits, lines[command]);
        // Each case its own data directory, so that two services never share one by accident.
        const data = join(scratch, `data-${caseNumber}-${i}`);
        const args = mutated.args.map((arg) => (arg === SERVE_DATA ? data : arg));
        const run = await spawnUntilStarted(command, args);
        if (!run.started) return { mutated, problem: problemWith(command, mutated, run) };
        started++;
        const output = run.stdout + run.stderr;
        // load's exit 1 is its verdict: a submission went unacknowledged before it stopped.
        const problem = run.status !== 0 && !(command === 'load' && run.status === 1) ? `exit ${run.status} after SIGTERM: ${run.stderr}`
          : /^\s+at |Error:|node:internal/m.test(output) ? `a stack trace or internal error: ${output}` : undefined;
        return { mutated, problem };
      }));
      caseNumber++;
      for (const { mutated, problem } of runs) expect(problem, `fleetsim ${mutated.args.map((arg) => JSON.stringify(arg)).join(' ')}`).toBeUndefined();
    }),
    { seed, numRuns: LONG_RUNNING_CASES / 2, endOnFailure: true },
  );
  // Both outcomes were drawn: the property says something about each.
  expect(started).toBeGreaterThan(0);
  expect(started).toBeLessThan(LONG_RUNNING_CASES);
}

describe('mutated command lines', () => {
  it('every command reads its options from its help (the edits have something to work on)', () => {
    for (const command of ['run', 'compare', 'sweep', 'serve', 'trace', 'calibrate']) expect(OPTIONS.get(command)!.length, command).toBeGreaterThan(3);
  });

  it('each valid starting line of the commands that finish succeeds unmutated', async () => {
    const finishing = COMMANDS.filter((command) => !STARTS_SOMETHING.has(command));
    for (const command of finishing) {
      const run = await spawnCli(VALID[command]!);
      expect(run.status, `${command}: ${run.stderr}`).toBe(0);
    }
  }, 120_000);

  it('of serve, agents and load: each is refused as the others are, or starts and stops cleanly on SIGTERM', async () => {
    await checkLongRunning(['serve', 'agents', 'load'], VALID, 20261208);
  }, 300_000);

  it('either succeed or are refused with exit 2 and one line naming the flag, never a crash', async () => {
    const caseArb = fc.constantFrom(...COMMANDS).chain((command) => fc.record({
      command: fc.constant(command),
      edits: fc.array(editsOf(command), { minLength: 1, maxLength: 2 }),
    }));
    await fc.assert(
      fc.asyncProperty(caseArb, caseArb, async (...cases) => {
        const runs = await Promise.all(cases.map(async ({ command, edits }) => {
          const mutated = mutate(command, edits);
          return { mutated, problem: problemWith(command, mutated, await spawnCli(mutated.args)) };
        }));
        for (const { mutated, problem } of runs) expect(problem, `fleetsim ${mutated.args.map((arg) => JSON.stringify(arg)).join(' ')}`).toBeUndefined();
      }),
      { seed: 20261207, numRuns: CASES / 2, endOnFailure: true },
    );
  }, 300_000);
});

describeWithRedis('mutated command lines of the Redis workers, on a real Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => { redis = await startRedis(); });
  afterAll(async () => { await redis.stop(); });

  it('of worker and agent-worker: each is refused on one line, or starts and stops cleanly on SIGTERM', async () => {
    const lines = {
      worker: ['worker', '--queue', redis.url, '--concurrency', '1'],
      'agent-worker': ['agent-worker', '--queue', redis.url, '--agent', 'coder-0', '--emulate', join(ROOT, 'scenarios/specialists.yaml')],
    };
    await checkLongRunning(['worker', 'agent-worker'], lines, 20261209);
  }, 300_000);
});
