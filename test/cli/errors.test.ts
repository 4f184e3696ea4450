/**
 * Bad input at the command line: exit code 2 and one line naming the file or flag, the field
 * and what was expected; never a stack trace.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { withField } from '../scenario/helpers.js';
import { ROOT, expectInputError, runCli, type CliRun } from './runCli.js';

function scenarioFile(text: string, name = 'bad.yaml'): string {
  const file = join(mkdtempSync(join(tmpdir(), 'fleetsim-')), name);
  writeFileSync(file, text);
  return file;
}

const VALID = `
name: tiny
stop: { time: 100 }
agents: [{ id: a, speed: 10, skills: { code: 1 } }]
workload:
  arrivals: { process: poisson, rate: 0.1 }
  tasks: [{ type: code, tokens: 100 }]
strategies: [round-robin]
`;

describe('bad input on the command line', () => {
  it('the valid base scenario runs (so each case below fails for its own reason)', () => {
    expect(runCli('run', scenarioFile(VALID)).status).toBe(0);
  });

  it('a command without its arguments says what it takes, not only how many are missing', () => {
    expectInputError(runCli('run'), 'run: expected fleetsim run <scenario>', 'fleetsim help run');
    expectInputError(runCli('trace', 'stats'), 'trace: expected fleetsim trace <action> <file>');
    expectInputError(runCli('merge'), 'merge: expected fleetsim merge <files..>');
  });

  it('a missing scenario file names the file', () => {
    expectInputError(runCli('run', 'scenarios/no-such-file.yaml'), 'scenarios/no-such-file.yaml');
  });

  it('malformed YAML names the file', () => {
    const file = scenarioFile('name: [unclosed\nagents: {');
    expectInputError(runCli('run', file), file);
  });

  it('an unknown strategy on --strategy names it and lists the known ones', () => {
    expectInputError(runCli('run', scenarioFile(VALID), '--strategy', 'fastest-first'), 'fastest-first', 'round-robin', 'least-connections');
  });

  it('a bad parameter in a --strategy spec names the flag, the spec and the parameter', () => {
    expectInputError(runCli('run', scenarioFile(VALID), '--strategy', 'power-of-d{d=0},random'), '--strategy', '"power-of-d{d=0}": d: expected');
  });

  it('an unknown strategy in the file names the field path', () => {
    const file = scenarioFile(VALID.replace('strategies: [round-robin]', 'strategies: [round-robin, telepathy]'));
    expectInputError(runCli('run', file), file, 'strategies[1]', 'telepathy');
  });

  it('a negative rate names the field path', () => {
    const file = scenarioFile(VALID.replace('rate: 0.1', 'rate: -1'));
    expectInputError(runCli('validate', file), file, 'workload.arrivals.rate');
  });

  it('a wrong type names the field path', () => {
    const file = scenarioFile(VALID.replace('speed: 10', 'speed: fast'));
    expectInputError(runCli('run', file), file, 'agents[0].speed');
  });

  it('a skill for a task type the workload does not have is an error (usually a typo)', () => {
    const file = scenarioFile(VALID.replace('skills: { code: 1 }', 'skills: { code: 1, reveiw: 0.5 }'));
    expectInputError(runCli('run', file), file, 'agents[0].skills.reveiw');
  });

  it('a cycle in dependsOn is an error naming the field', () => {
    const file = scenarioFile(VALID.replace('tasks: [{ type: code, tokens: 100 }]', `tasks: [{ type: code, tokens: 100 }]
  jobs:
    - { id: a, at: 0, type: code, tokens: 10, dependsOn: [b] }
    - { id: b, at: 0, type: code, tokens: 10, dependsOn: [a] }`));
    expectInputError(runCli('run', file), file, 'dependsOn');
  });

  it('a bad flag value names the flag', () => {
    expectInputError(runCli('run', scenarioFile(VALID), '--replications', '0'), '--replications');
    expectInputError(runCli('run', scenarioFile(VALID), '--seed', 'abc'), '--seed');
  });

  it('a switch given a value other than true or false is an error naming it (yargs would read it as false)', () => {
    expectInputError(runCli('run', scenarioFile(VALID), '--json=maybe'), 'command line: --json:', 'expected no value', '"maybe"');
    expectInputError(runCli('validate', scenarioFile(VALID), '--allow-huge=1'), '--allow-huge:', '"1"');
    const asWritten = runCli('validate', scenarioFile(VALID), '--allow-huge=true');
    expect(asWritten.status, asWritten.stderr).toBe(0);
  });

  it.each([
    ['run', '--out'], ['compare', '--out'], ['run', '--events'], ['run', '--strategy'],
  ])('%s %s given the empty string names the flag (an empty --out was the working directory)', (command, flag) => {
    expectInputError(runCli(command, scenarioFile(VALID), flag, ''), `command line: ${flag}: expected a value, got the empty string`);
    expectInputError(runCli(command, scenarioFile(VALID), `${flag}=`), `command line: ${flag}: expected a value, got the empty string`);
  });

  it.each([
    ['compare', '--out'], ['compare', '--baseline'], ['sweep', '--param'], ['sweep', '--shard'], ['regress', '--baseline'],
  ])('%s %s without its value names the flag (it was read as "" and used)', (command, flag) => {
    expectInputError(runCli(command, scenarioFile(VALID), flag), `command line: ${flag}: expected a value after the flag`);
  });

  it.each([['merge'], ['report']])('%s --out without its value names the flag', (command) => {
    expectInputError(runCli(command, 'summary.json', '--out'), 'command line: --out: expected a value after the flag');
  });

  it('an unknown flag is an error, not ignored', () => {
    expectInputError(runCli('run', scenarioFile(VALID), '--replicatoins', '3'), 'replicatoins');
  });

  it('a word with one dash (-Infinity) given where no value is taken is named as written, not as its letters', () => {
    expectInputError(runCli('validate', scenarioFile(VALID), '--allow-huge', '-Infinity'), 'command line: -Infinity: unknown option', '--flag=-1');
  });

  it.each([
    ['--no-seed', ['--no-seed'], '--seed: takes a value; there is no --no-seed'],
    ['--no-strategy (used to crash)', ['--no-strategy'], '--strategy: takes a value'],
    ['--seed twice', ['--seed', '1', '--seed', '2'], '--seed: given more than once'],
    ['--driver twice (used to run the first silently)', ['--driver', 'sim', '--driver=live'], '--driver: given more than once'],
    ['--events twice', ['--events', 'a.jsonl', '--events', 'b.jsonl'], '--events: given more than once'],
    ['--json and --no-json (used to keep the last silently)', ['--json', '--no-json'], '--json: given both on and off'],
    ['--json true and --json false', ['--json', 'true', '--json', 'false'], '--json: given both on and off'],
  ])('run with %s is refused naming the flag', (_, flags, message) => {
    expectInputError(runCli('run', scenarioFile(VALID), ...flags), `command line: ${message}`);
  });

  it.each([
    ['calibrate --out twice (used to crash)', ['calibrate', 'events.jsonl', '--out', 'a.yaml', '--out', 'b.yaml'], '--out: given more than once'],
    ['trace --no-format (used to crash)', ['trace', 'stats', 'trace.csv', '--no-format'], '--format: takes a value'],
    ['compare --no-strategy (used to crash)', ['compare', 'first-look.yaml', '--no-strategy'], '--strategy: takes a value'],
  ])('%s is refused naming the flag before any file is read', (_, args, message) => {
    expectInputError(runCli(...args), `command line: ${message}`);
  });

  it('sweep takes --param more than once: the grid has a cell for each combination', () => {
    const out = mkdtempSync(join(tmpdir(), 'fleetsim-sweep-'));
    const run = runCli('sweep', scenarioFile(VALID), '--param', 'agents[0].speed=10,20', '--param', 'workload.arrivals.rate=0.1,0.2', '--workers', '1', '--json', '--out', out);
    expect(run.status, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as { cells: unknown[] }).cells).toHaveLength(4);
  });

  it('an unwritable events file names the file', () => {
    // Its would-be directory is a regular file, so neither mkdir nor open can succeed.
    const blocked = `${scenarioFile(VALID)}/events.jsonl`;
    expectInputError(runCli('run', scenarioFile(VALID), '--events', blocked), blocked);
  });

  it('no command is an input error', () => {
    expect(runCli().status).toBe(2);
  });
});

/**
 * Runs the CLI with a short time limit: the cases below used to spin forever, and a test must
 * fail (status null, killed) rather than hang.
 */
function runCliWithin(seconds: number, ...args: string[]): CliRun {
  const result = spawnSync(process.execPath, ['dist/src/cli/main.js', ...args], { cwd: ROOT, encoding: 'utf8', timeout: seconds * 1000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe.runIf(process.platform === 'linux' && existsSync('/proc/version'))('output paths the file system refuses', () => {
  it('--out under /proc is refused at once, naming the directory (Node\'s recursive mkdir would spin on it)', () => {
    expectInputError(runCliWithin(30, 'run', scenarioFile(VALID), '--out', '/proc/fleetsim-x'), '/proc/fleetsim-x', '--out', 'cannot write');
    expectInputError(runCliWithin(30, 'compare', scenarioFile(VALID), '--workers', '1', '--out', '/proc/fleetsim-x/y'), '/proc/fleetsim-x/y', '--out');
  });

  it('--events under /proc is refused at once, naming the file', () => {
    expectInputError(runCliWithin(30, 'run', scenarioFile(VALID), '--events', '/proc/fleetsim-x/e.jsonl'), '/proc/fleetsim-x/e.jsonl', '--events');
  });

  it('an events file that fails on write (a full disk, a file that refuses data) names the file and the reason', () => {
    if (existsSync('/dev/full')) expectInputError(runCliWithin(30, 'run', scenarioFile(VALID), '--events', '/dev/full'), '/dev/full', '--events', 'ENOSPC');
    expectInputError(runCliWithin(30, 'run', scenarioFile(VALID), '--events', '/proc/version'), '/proc/version', '--events');
  });
});

describe('work that could not finish is refused before it starts', () => {
  const HUGE = VALID.replace('rate: 0.1', 'rate: 1e12');

  it('run, compare, sweep and regress refuse a run of about 10^14 tasks with exit 2 and the estimate', () => {
    const file = scenarioFile(HUGE);
    for (const args of [['run'], ['compare', '--workers', '1'], ['sweep', '--workers', '1', '--param', 'stop.time=50,100'], ['validate']]) {
      const [command, ...flags] = args;
      expectInputError(runCliWithin(60, command!, file, ...flags), file, 'one run would simulate about 1.0e+14 tasks', '--allow-huge');
    }
    expectInputError(runCliWithin(60, 'regress', file, '--baseline', join(dirname(file), 'b.json'), '--update'), file, '1.0e+14 tasks');
  });

  it('--allow-huge lets the user take it on', () => {
    const run = runCliWithin(60, 'validate', scenarioFile(HUGE), '--allow-huge');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('valid scenario "tiny"');
  });

  it('huge stop limits are refused the same way', () => {
    expectInputError(runCliWithin(60, 'run', scenarioFile(VALID.replace('time: 100', 'time: 1e15'))), 'about 1.0e+14 tasks');
    expectInputError(runCliWithin(60, 'run', scenarioFile(VALID.replace('time: 100', 'tasks: 1e15'))), 'stop.tasks', 'expected a number <= 1000000000');
  });

  it('values that used to crash the run (NaN event times, infinite tokens) are refused at validation', () => {
    expectInputError(runCliWithin(60, 'run', scenarioFile(VALID.replace('speed: 10,', 'speed: 10, model: { serviceTimeCv: 1e300 },'))), 'agents[0].model.serviceTimeCv');
    expectInputError(runCliWithin(60, 'run', scenarioFile(VALID.replace('tokens: 100', 'tokens: { dist: lognormal, mean: 100, sd: 1e300 }'))), 'workload.tasks[0].tokens.sd');
  });

  it('"-" as the scenario says that standard input is not supported', () => {
    expectInputError(runCliWithin(60, 'run', '-'), 'reading a scenario from standard input ("-") is not supported');
  });
});

describe('bad input about classes and tenants, end to end', () => {
  it('an unknown class in --by names the flag and the classes', () => {
    expectInputError(runCli('run', scenarioFile(VALID), '--by', 'team'), '--by', 'unknown class "team"', 'type, priority, tenant');
  });

  it('a class path in targets that no task can have names the field and the classes there are', () => {
    const file = scenarioFile(`${VALID}targets: { strategies: [round-robin], checks: [{ metric: byTenant.acme.latency.p95, max: 10 }] }\n`);
    expectInputError(runCli('validate', file), file, 'targets.checks[0].metric', 'no task of the workload can have tenant "acme"');
  });

  it('a tenant column the trace\'s header lacks names the trace file and the column', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetsim-'));
    writeFileSync(join(dir, 'teams.csv'), 't,out\n0,10\n');
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, VALID.replace(/workload:[^]*?strategies/, 'workload:\n  trace: { file: teams.csv, format: csv, columns: { time: t, tokens: out, tenant: team } }\nstrategies'));
    expectInputError(runCli('run', file), 'teams.csv', 'column "team"');
  });

  it('an unknown queue order names the field and the orders', () => {
    const file = scenarioFile(`${VALID}engine: { queue: { order: fare } }\n`);
    expectInputError(runCli('validate', file), file, 'engine.queue.order', 'fifo');
  });
});

describe('library scenarios with one field broken, as the mutation property test (test/scenario/mutations.property.test.ts) breaks them', () => {
  /** Library scenario `name` with the field at `path` set to `value` (removed when undefined), in a file of its own. */
  function brokenLibraryFile(name: string, path: string, value: unknown): string {
    const document = parse(readFileSync(join(ROOT, 'scenarios', name), 'utf8'), { merge: true }) as Record<string, unknown>;
    return scenarioFile(stringify(withField(document, path, value)), name);
  }

  it('a task type of 1e308 tokens (the run crashed on infinite token totals) names the field', () => {
    const file = brokenLibraryFile('first-look.yaml', 'workload.tasks[0].tokens', 1e308);
    expectInputError(runCliWithin(60, 'run', file), `${file}: workload.tasks[0].tokens: expected a number <= 1000000000, got 1e+308`);
  });

  it('a workflow node\'s token mean of 1e308 (the run crashed) names the field inside the distribution', () => {
    const file = brokenLibraryFile('supervisor-dag.yaml', 'workload.workflows[0].nodes[0].tokens.mean', 1e308);
    expectInputError(runCliWithin(60, 'run', file), `${file}: workload.workflows[0].nodes[0].tokens.mean: expected a number <= 1000000000`);
  });

  it('a deleted list the arrivals need names the missing field', () => {
    const file = brokenLibraryFile('failure-prone.yaml', 'workload.tasks', undefined);
    expectInputError(runCliWithin(60, 'run', file), `${file}: workload.tasks: expected a non-empty list`);
  });

  it('a NaN-like string for a number says what it got', () => {
    const file = brokenLibraryFile('hoarding.yaml', 'agents[0].speed', '.nan');
    expectInputError(runCliWithin(60, 'run', file), `${file}: agents[0].speed: expected a number, got ".nan"`);
  });

  it('a number flag given a word says what was typed, not "NaN"', () => {
    expectInputError(runCliWithin(60, 'run', 'scenarios/first-look.yaml', '--seed', 'x'), 'fleetsim: command line: --seed: expected a number, got "x"');
    expectInputError(runCliWithin(60, 'compare', 'scenarios/first-look.yaml', '--workers=two'), 'fleetsim: command line: --workers: expected a number, got "two"');
  });
});
