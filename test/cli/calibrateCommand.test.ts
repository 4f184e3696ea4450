/**
 * `fleetsim calibrate` at the command line: it fits a scenario that validates from a run's events
 * and from a serve log (the same records without strategy and replication), which `check` judges
 * once the team adds its targets; bad input is exit 2
 * with one line naming the file (and line), never a stack trace.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CALIBRATION_FLEET_YAML } from '../support/calibrationFleet.js';
import { expectInputError, runCli, type CliRun } from './runCli.js';

const dir = mkdtempSync(join(tmpdir(), 'fleetsim-calibrate-cli-'));
const events = join(dir, 'events.jsonl');

const SCENARIO = CALIBRATION_FLEET_YAML;

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

beforeAll(() => {
  const run = runCli('run', file('tiny.yaml', SCENARIO), '--events', events, '--workers', '1');
  expect(run.status, run.stderr).toBe(0);
});

describe('fleetsim calibrate', () => {
  it('fits the first strategy\'s replications into a scenario that validates, printing intervals and fit tests', () => {
    const out = join(dir, 'fitted.yaml');
    const run = runCli('calibrate', events, '--out', out, '--synthetic');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('strategy round-robin, replications 0–1');
    expect(run.stdout).toMatch(/agents\[a\]\.speed\s+\S+\s+\[\S+, \S+\]/);
    expect(run.stdout).toContain('KS (log rate normal)');
    expect(run.stdout).toContain('note: the file holds 4 runs');
    const validate = runCli('validate', out);
    expect(validate.status, validate.stderr).toBe(0);
    expect(validate.stdout).toContain('3 agents, 1 task type, 1 strategy, 5 replications');
    expect(readFileSync(out, 'utf8')).toContain('3 agents, 1 task type.');
  });

  it('--json gives every parameter with its interval, method and test; --strategy and --replication pick the runs', () => {
    const run = runCli('calibrate', events, '--out', join(dir, 'json.yaml'), '--synthetic', '--json', '--strategy', 'random', '--replication', '1');
    expect(run.status, run.stderr).toBe(0);
    const document = JSON.parse(run.stdout) as { runs: { strategy: string; replication: number }[]; parameters: { name: string; interval: number[]; method: string }[] };
    expect(document.runs).toEqual([{ strategy: 'random', replication: 1 }]);
    const speed = document.parameters.find((parameter) => parameter.name === 'agents[a].speed')!;
    expect(speed.method).toBe('MLE');
    expect(speed.interval[0]).toBeLessThan(50);
    expect(speed.interval[1]).toBeGreaterThan(50);
  });

  it('reads a serve log (no strategy or replication) as one run, with the same fit as that run of a run log', () => {
    const lines = readFileSync(events, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const first = lines.filter((line) => line.strategy === 'round-robin' && line.replication === 0);
    const serveLog = file('serve-events.jsonl', first.map(({ strategy: _s, replication: _r, ...rest }) => JSON.stringify(rest)).join('\n') + '\n');
    const fromServe = runCli('calibrate', serveLog, '--out', join(dir, 'serve.yaml'), '--synthetic', '--json');
    const fromRun = runCli('calibrate', events, '--out', join(dir, 'run.yaml'), '--synthetic', '--json', '--replication', '0');
    expect(fromServe.status, fromServe.stderr).toBe(0);
    const parameters = (run: CliRun): unknown => (JSON.parse(run.stdout) as { parameters: unknown }).parameters;
    expect(parameters(fromServe)).toEqual(parameters(fromRun));
  });

  it('without --synthetic the workload replays the first fitted run\'s submissions as a fleetsim-events trace, and the scenario runs', () => {
    const out = join(dir, 'trace.yaml');
    expect(runCli('calibrate', events, '--out', out).status).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/trace:\n\s+file: events\.jsonl\n\s+format: fleetsim-events\n\s+type: code\n\s+types:\n\s+- code\n\s+strategy: round-robin\n\s+replication: 0/);
    const whatIf = runCli('run', out, '--strategy', 'random,least-connections', '--replications', '2', '--workers', '1');
    expect(whatIf.status, whatIf.stderr).toBe(0);
    expect(whatIf.stdout).toMatch(/least-connections/);
  });

  it('the calibrated scenario has no targets, so check has nothing to check until the team adds theirs', () => {
    const out = join(dir, 'trace.yaml');
    expect(runCli('calibrate', events, '--out', out).status).toBe(0);
    expectInputError(runCli('check', out, '--workers', '1'), 'trace.yaml: targets: absent: nothing to check');
    const withTargets = (name: string, utilizationMax: number): string => file(name, `${readFileSync(out, 'utf8')}targets:
  strategies: [round-robin]
  checks:
    - { metric: completion, min: 0.9 }
    - { metric: utilization, max: ${utilizationMax} }
`);
    const met = runCli('check', withTargets('met.yaml', 0.99), '--workers', '1');
    expect(met.status, met.stderr).toBe(0);
    expect(met.stdout).toMatch(/round-robin +yes +completion .* pass\n/);
    const missed = runCli('check', withTargets('missed.yaml', 0.01), '--workers', '1');
    expect(missed.status, missed.stderr).toBe(1);
    expect(missed.stdout).toMatch(/round-robin +yes +utilization .* FAIL\n/);
  });

  it('a run cut off at stop.time (tasks in flight) is written as a stop at that time without drain', () => {
    const cutEvents = join(dir, 'cut.jsonl');
    const cut = SCENARIO.replace('stop: { time: 200, drain: true }', 'stop: { time: 200 }').replace('rate: 1 }', 'rate: 3 }');
    expect(runCli('run', file('cut.yaml', cut), '--events', cutEvents, '--workers', '1', '--strategy', 'random').status).toBe(0);
    const out = join(dir, 'cut-fitted.yaml');
    expect(runCli('calibrate', cutEvents, '--out', out).status).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/stop:\n\s+time: 19\d\.\d+\n\s+drain: false/);
    expect(readFileSync(join(dir, 'fitted.yaml'), 'utf8')).toMatch(/stop:\n\s+time: [\d.]+\n\s+drain: true/);
  });
});

describe('fleetsim calibrate: bad input', () => {
  const out = join(dir, 'never.yaml');

  it('a missing file', () => {
    expectInputError(runCli('calibrate', join(dir, 'absent.jsonl'), '--out', out), 'absent.jsonl', 'ENOENT');
  });

  it('a file that is not an events file names its first non-blank line', () => {
    expectInputError(runCli('calibrate', file('scenario.yaml', SCENARIO), '--out', out), 'scenario.yaml: line 2', 'not JSON');
  });

  it('a truncated last line names it', () => {
    const text = readFileSync(events, 'utf8');
    const count = text.trimEnd().split('\n').length;
    expectInputError(runCli('calibrate', file('torn.jsonl', text.slice(0, text.length - 20)), '--out', out), `torn.jsonl: line ${count}`, 'truncated');
  });

  it('a corrupt line in the middle names it', () => {
    const lines = readFileSync(events, 'utf8').split('\n');
    lines[4] = '{"time": 1, "kind": "transition", ';
    expectInputError(runCli('calibrate', file('corrupt.jsonl', lines.join('\n')), '--out', out), 'corrupt.jsonl: line 5', 'not JSON');
  });

  it('an event of an unknown kind names the line and field', () => {
    expectInputError(runCli('calibrate', file('kind.jsonl', '{"time":0,"kind":"teleported"}\n'), '--out', out), 'kind.jsonl: line 1, column kind', 'teleported');
  });

  it('an events file without a completed task', () => {
    const lines = readFileSync(events, 'utf8').trimEnd().split('\n').filter((line) => !line.includes('"transition"'));
    expectInputError(runCli('calibrate', file('unfinished.jsonl', lines.join('\n') + '\n'), '--out', out), 'unfinished.jsonl', 'no completed task');
  });

  it('an empty file', () => {
    expectInputError(runCli('calibrate', file('empty.jsonl', ''), '--out', out), 'empty.jsonl', 'empty');
  });

  describe('a damaged log names the line and field, and writes nothing', () => {
    const lines = (): string[] => readFileSync(events, 'utf8').trimEnd().split('\n');
    const damaged = (name: string, edited: readonly string[]): string => file(name, `${edited.join('\n')}\n`);
    /** Index of the fourth submission of the log. */
    const fourthSubmission = (): number => lines().flatMap((line, i) => (line.includes('"kind":"submitted"') ? [i] : []))[3]!;

    it('a lost submission: the first later event of its task', () => {
      const at = fourthSubmission();
      const task = (JSON.parse(lines()[at]!) as { task: string }).task;
      const lost = lines().filter((_, i) => i !== at);
      const next = lost.findIndex((line, i) => i >= at && line.includes(`"task":"${task}"`)) + 1;
      expectInputError(runCli('calibrate', damaged('lost.jsonl', lost), '--out', out), `lost.jsonl: line ${next}, column task: task "${task}" has no submitted record`);
      expect(existsSync(out)).toBe(false);
    });

    it('a duplicated submission', () => {
      const at = fourthSubmission();
      expectInputError(runCli('calibrate', damaged('twice.jsonl', [...lines().slice(0, at + 1), ...lines().slice(at)]), '--out', out), `twice.jsonl: line ${at + 2}, column spec.id`, `submitted twice in one run (first on line ${at + 1})`);
      expect(existsSync(out)).toBe(false);
    });

    it('two logs of the same runs spliced together', () => {
      const log = lines();
      expectInputError(runCli('calibrate', damaged('spliced.jsonl', [...log, ...log]), '--out', out), `spliced.jsonl: line ${log.length + 1}, column strategy`, 'one run after another');
      expect(existsSync(out)).toBe(false);
    });

    it('a priority no scenario can hold', () => {
      const at = fourthSubmission();
      const log = lines();
      const record = JSON.parse(log[at]!) as { spec: { priority: number } };
      record.spec.priority = 9;
      log[at] = JSON.stringify(record);
      expectInputError(runCli('calibrate', damaged('priority.jsonl', log), '--out', out, '--synthetic'), `priority.jsonl: line ${at + 1}, column spec.priority: expected a priority level 0..4, got "9"`);
      expect(existsSync(out)).toBe(false);
    });
  });

  it('a run the file does not hold', () => {
    expectInputError(runCli('calibrate', events, '--out', out, '--strategy', 'cache-aware'), '--strategy', 'no run matches');
  });

  it('an unknown flag, and a missing --out', () => {
    expectInputError(runCli('calibrate', events, '--out', out, '--speedy'), 'speedy');
    expectInputError(runCli('calibrate', events), 'out');
    expect(existsSync(out)).toBe(false);
  });
});
