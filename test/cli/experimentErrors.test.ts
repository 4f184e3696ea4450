/**
 * Bad input to `compare`, `sweep`, `merge` and `regress`: exit code 2 and one line naming the
 * file or flag, the field and what was expected; never a stack trace. Every case fails before
 * any simulation runs.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type CliRun } from './runCli.js';

const FLEET = 'test/fixtures/scenarios/fleet-small.yaml';
const dir = mkdtempSync(join(tmpdir(), 'fleetsim-errors-'));

function expectInputError(run: CliRun, line: string | RegExp): void {
  expect(run.status, run.stderr).toBe(2);
  expect(run.stdout).toBe('');
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines, run.stderr).toHaveLength(1);
  if (typeof line === 'string') expect(lines[0]).toBe(line);
  else expect(lines[0]).toMatch(line);
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('bad input to the experiment commands', () => {
  it('a bad --param path or value names --param, the path and the value', () => {
    expectInputError(runCli('sweep', FLEET, '--param', 'agents[4].count=3'),
      `fleetsim: ${FLEET}: --param agents[4].count: agents has 1 entry: there is no [4]`);
    expectInputError(runCli('sweep', FLEET, '--param', 'agents[0].count=3,0'),
      `fleetsim: ${FLEET}: --param agents[0].count=0: expected a number >= 1, got 0`);
    expectInputError(runCli('sweep', FLEET, '--param', 'workload.arrivals.rat=1'),
      /^fleetsim: .*fleet-small\.yaml: --param workload\.arrivals\.rat=1: unknown field "rat" \(did you mean "rate"\?\)/);
    expectInputError(runCli('sweep', FLEET, '--param', 'agnets[0].count=3'),
      `fleetsim: ${FLEET}: --param agnets[0].count: the scenario has no field "agnets" (did you mean "agents"?)`);
    expectInputError(runCli('sweep', FLEET, '--param', 'agents[0]..count=3'), /^fleetsim: command line: --param agents\[0\]\.\.count: bad path: /);
    expectInputError(runCli('sweep', FLEET), 'fleetsim: command line: --param: required: give at least one --param path=value1,value2,…');
  });

  it('a bad --shard, --workers or --baseline names the flag', () => {
    expectInputError(runCli('sweep', FLEET, '--param', 'stop.time=100', '--shard', '4/3'),
      'fleetsim: command line: --shard: expected i/n with 1 <= i <= n (this machine\'s share of n), got "4/3"');
    expectInputError(runCli('sweep', FLEET, '--param', 'stop.time=100,200', '--shard', '3/5'),
      'fleetsim: command line: --shard: shard 3/5 gets no cell: the grid has only 2 cells, so use at most 2 shards');
    expectInputError(runCli('compare', FLEET, '--workers', '0'), 'fleetsim: command line: --workers: expected an integer 1..256, got 0');
    expectInputError(runCli('compare', FLEET, '--baseline', 'least-connections'),
      `fleetsim: ${FLEET}: --baseline: no strategy "least-connections"; strategies: random, power-of-d, join-shortest-queue`);
  });

  it('missing files name the file', () => {
    expectInputError(runCli('compare', 'scenarios/none.yaml'), 'fleetsim: scenarios/none.yaml: cannot read file (ENOENT: no such file)');
    expectInputError(runCli('merge', join(dir, 'none.json')), `fleetsim: ${join(dir, 'none.json')}: cannot read file (ENOENT: no such file)`);
    expectInputError(runCli('regress', 'scenarios/none.yaml', '--baseline', join(dir, 'b.json')), 'fleetsim: scenarios/none.yaml: cannot read file (ENOENT: no such file)');
    expectInputError(runCli('regress', FLEET, '--baseline', join(dir, 'none.json')),
      `fleetsim: ${join(dir, 'none.json')}: cannot read the baseline file (ENOENT: no such file); create it with fleetsim regress --update`);
  });

  it('a bad baseline file or shard document names the file and the field', () => {
    expectInputError(runCli('regress', FLEET, '--baseline', file('broken.json', '{"format": "fleetsim-regress-baseline",')),
      /^fleetsim: .*broken\.json: invalid JSON: /);
    expectInputError(runCli('regress', FLEET, '--baseline', file('v2.json', '{"format": "fleetsim-regress-baseline", "version": 2, "scenarios": []}')),
      /^fleetsim: .*v2\.json: version: expected 1, got 2$/);
    expectInputError(runCli('merge', file('other.json', '{"format": "something"}')),
      /^fleetsim: .*other\.json: format: not a fleetsim experiment document/);
  });
});
