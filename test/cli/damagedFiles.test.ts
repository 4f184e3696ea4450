/**
 * Damaged files handed to the built command line, a few of each kind the generated tests
 * (`*.property.test.ts` beside each reader) found or guard against: a `summary.json` for
 * `report`, a shard for `merge`, a baseline for `regress`, a token file for `serve`; and files
 * over their kind's limit (sparse files, /dev/zero, a line longer than a trace's or an event
 * log's). Each is exit 2 with one line on stderr naming the file and the field, no stack trace;
 * `serve` refuses before it creates its data directory or listens.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, expectInputError, runCli } from './runCli.js';

const dir = mkdtempSync(join(tmpdir(), 'fleetsim-damaged-'));
const scenario = join(dir, 'first-look.yaml');
const report = join(dir, 'report');
const shard = join(dir, 'shard');
const baseline = join(dir, 'baseline.json');

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- documents edited as JSON

beforeAll(() => {
  const firstLook = readFileSync(join(ROOT, 'scenarios/first-look.yaml'), 'utf8');
  writeFileSync(scenario, firstLook.replace(/^replications: \d+$/m, 'replications: 2').replace(/^stop: .*$/m, 'stop: { time: 900 }'));
  for (const args of [
    ['compare', scenario, '--workers', '1', '--out', report],
    ['sweep', scenario, '--workers', '1', '--param', 'agents[0].count=3', '--shard', '1/1', '--out', shard],
    ['regress', scenario, '--baseline', baseline, '--update', '--workers', '1'],
  ]) {
    const run = runCli(...args);
    expect(run.status, `${args.join(' ')}: ${run.stderr}`).toBe(0);
  }
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of the JSON file `from`, edited by `edit`, written as `name`; its path. */
function edited(from: string, name: string, edit: (document: Json) => void): string {
  const document = JSON.parse(readFileSync(from, 'utf8')) as Json;
  edit(document);
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(document, null, 1));
  return file;
}

/** The file `from` with its text edited by `edit`, written as `name`; its path. */
function retyped(from: string, name: string, edit: (text: string) => string): string {
  const file = join(dir, name);
  writeFileSync(file, edit(readFileSync(from, 'utf8')));
  return file;
}

describe('damaged files on the command line', () => {
  it('fleetsim report: a series share of 1e308, an unknown class, swapped leaderboard fields, a file cut short', () => {
    const summary = join(report, 'summary.json');
    const cases: [string, string][] = [
      [edited(summary, 'share.json', (d) => { d.series[0].latencyCdf.share[0] = 1e308; }), 'series[0].latencyCdf.share[0]: expected a number <= 1, got 1e+308'],
      [edited(summary, 'class.json', (d) => { d.cells[0].strategies[0].metrics.byTenant.extra = 1; }), 'cells[0].strategies[0].metrics.byTenant.extra: expected an object holding latency.p95, got 1'],
      [edited(summary, 'board.json', (d) => { const board = d.cells[0].leaderboards[0]; [board.entries, board.title] = [board.title, board.entries]; }), 'cells[0].leaderboards[0].entries: expected a list, got "gini tasks"'],
      [retyped(summary, 'cut.json', (text) => text.slice(0, 1000)), 'invalid JSON: '],
    ];
    for (const [file, message] of cases) expectInputError(runCli('report', file, '--out', join(dir, 'redrawn')), `fleetsim: ${file}: ${message}`);
  });

  it('fleetsim merge: a replication lacking a metric, a figure of 1e308, a per-agent count that is text, an empty file', () => {
    const summary = join(shard, 'summary.json');
    const run = 'cells[0].strategies[1].perReplication[1]';
    const cases: [string, string][] = [
      [edited(summary, 'lacking.json', (d) => { delete d.cells[0].strategies[1].perReplication[1].latency.p95; }), `${run}.latency.p95: required: latency.p95 (the cell's first run has it)`],
      [edited(summary, 'huge.json', (d) => { d.cells[0].strategies[1].perReplication[1].throughput = 1e308; }), `${run}.throughput: expected null or a number in [0, 9007199254740991] (the metric's range), got 1e+308`],
      [edited(summary, 'agent.json', (d) => { d.cells[0].strategies[1].perReplication[1].perAgent[0].completed = 'x'; }), `${run}.perAgent[0].completed: expected a number, got "x"`],
      [retyped(summary, 'empty.json', () => ''), 'invalid JSON: '],
    ];
    for (const [file, message] of cases) expectInputError(runCli('merge', file, '--out', join(dir, 'merged')), `fleetsim: ${file}: ${message}`);
  });

  it('fleetsim regress: a strategy listed twice, a negative latency, a scenario that is null, a byte-order mark and a cut', () => {
    const cases: [string, string][] = [
      [edited(baseline, 'twice.json', (d) => { d.scenarios[0].strategies.push(d.scenarios[0].strategies[0]); }), `scenarios[0].strategies[5].strategy: "round-robin" appears twice in "first-look"`],
      [edited(baseline, 'negative.json', (d) => { d.scenarios[0].strategies[0].metrics['latency.p95'][1] = -1; }), 'scenarios[0].strategies[0].metrics["latency.p95"][1]: expected null or a number in [0, 9007199254740991] (the metric\'s range), got -1'],
      [edited(baseline, 'null.json', (d) => { d.scenarios[0] = null; }), 'scenarios[0]: expected an object, got null'],
      [retyped(baseline, 'cut.json', (text) => `\uFEFF${text.slice(0, 200)}`), 'invalid JSON: '],
    ];
    for (const [file, message] of cases) expectInputError(runCli('regress', scenario, '--baseline', file, '--workers', '1'), `fleetsim: ${file}: ${message}`);
  });

  it('fleetsim regress: a metric no run can have, named with a did-you-mean', () => {
    const misspelt = edited(baseline, 'misspelt.json', (d) => {
      const metrics = d.scenarios[0].strategies[1].metrics;
      metrics['lantency.p95'] = metrics['latency.p95'];
    });
    expectInputError(runCli('regress', scenario, '--baseline', misspelt, '--workers', '1'),
      `fleetsim: ${misspelt}: scenarios[0].strategies[1].metrics["lantency.p95"]: unknown metric "lantency.p95" (did you mean "latency.p95"?)`);
  });

  it('files over their kind\'s limit: a sparse file one byte over it, /dev/zero, JSON nested a million deep, a line longer than 1 MiB', () => {
    const sparse = (name: string, bytes: number): string => {
      const file = join(dir, name);
      writeFileSync(file, '');
      truncateSync(file, bytes);
      return file;
    };
    const MiB = 1 << 20;
    const document = sparse('huge-summary.json', 128 * MiB + 1);
    expectInputError(runCli('report', document, '--out', join(dir, 'huge-report')), `fleetsim: ${document}: the file is larger than 128 MiB, the most a results document may be: run the sweep in shards`);
    expectInputError(runCli('merge', '/dev/zero', '--out', join(dir, 'zero-merged')), 'fleetsim: /dev/zero: the file is larger than 128 MiB, the most a results document may be');
    const deep = join(dir, 'deep.json');
    writeFileSync(deep, `${'['.repeat(MiB)}${']'.repeat(MiB)}`);
    expectInputError(runCli('merge', deep, '--out', join(dir, 'deep-merged')), `fleetsim: ${deep}: lists and objects nested more than 64 deep`);
    const hugeBaseline = sparse('huge-baseline.json', 64 * MiB + 1);
    expectInputError(runCli('regress', scenario, '--baseline', hugeBaseline, '--workers', '1'), `fleetsim: ${hugeBaseline}: the file is larger than 64 MiB, the most a baseline file may be`);
    expectInputError(runCli('regress', scenario, '--baseline', '/dev/zero', '--workers', '1'), 'fleetsim: /dev/zero: the file is larger than 64 MiB, the most a baseline file may be');
    const data = join(dir, 'zero-data');
    expectInputError(runCli('serve', scenario, '--data', data, '--port', '0', '--token-file', '/dev/zero'), 'fleetsim: /dev/zero: the file is larger than 1 MiB, the most a token file may be');
    expect(existsSync(data)).toBe(false);
    const longLine = join(dir, 'long-line.jsonl');
    writeFileSync(longLine, `{"timestamp": 0, "input_length": 1, "output_length": 1, "hash_ids": [0]}\n{"pad": "${'x'.repeat(MiB)}"}\n`);
    expectInputError(runCli('trace', 'stats', longLine, '--format', 'mooncake'), `fleetsim: ${longLine}: line 2: the line is longer than 1 MiB, the most a trace line may be`);
    const noNewline = sparse('no-newline.jsonl', 2 * MiB);
    expectInputError(runCli('calibrate', noNewline, '--out', join(dir, 'calibrated.yaml')), `fleetsim: ${noNewline}: line 1: the line is longer than 1 MiB, the most an event line may be`);
    expectInputError(runCli('calibrate', '/dev/zero', '--out', join(dir, 'calibrated.yaml')), 'fleetsim: /dev/zero: not a file: expected an events file');
  });

  it('fleetsim serve: a token no header can carry, a list as a token, an unknown role, an empty file; refused before the data directory is made', () => {
    const token = 'c81d07e4b2a9f3e6d1c0';
    const tokenFile = (name: string, text: string): string => {
      const file = join(dir, name);
      writeFileSync(file, text);
      return file;
    };
    const cases: [string, string][] = [
      [tokenFile('blank.yaml', `${token}: admin\n"${token} 2": submitter\n`), 'token #2: expected a token of printable ASCII characters without blanks'],
      [tokenFile('list.yaml', `? [${token}]\n: admin\n`), 'token #1: expected a token (a string), got a list or a mapping'],
      [tokenFile('role.yaml', `${token}: superuser\n`), 'token #1: expected submitter, admin, agent:<id>, agent:*, provisioner:<pool> or provisioner:*, got "superuser"'],
      [tokenFile('empty.yaml', ''), 'expected a mapping token → role (or list of roles)'],
    ];
    const data = join(dir, 'data');
    for (const [file, message] of cases) {
      const served = runCli('serve', scenario, '--data', data, '--port', '0', '--token-file', file);
      expectInputError(served, `fleetsim: ${file}: ${message}`);
      expect(served.stderr).not.toContain(token);
      expect(existsSync(data)).toBe(false);
    }
  });
});
