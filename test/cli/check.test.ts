/**
 * `fleetsim check` end to end on the library's team-targets scenario: the strategy it holds to
 * its targets meets them (exit 0), round-robin held too misses one (exit 1), and bad input is
 * exit 2. And `compare` carrying the same targets into its table, summary.json, summary.md and
 * the HTML report.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ExperimentDocument } from '../../src/experiments/types.js';
import { ROOT, runCli } from './runCli.js';

const SCENARIO = 'scenarios/team-targets.yaml';
const TEXT = readFileSync(join(ROOT, SCENARIO), 'utf8');
const HELD = 'strategies: [least-work-left]\n';

/** The scenario with its targets section changed by `edit`, written to a temporary file. */
function variant(edit: (text: string) => string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'fleetsim-check-')), 'team.yaml');
  const text = edit(TEXT);
  expect(text).not.toBe(TEXT);
  writeFileSync(file, text);
  return file;
}

describe('fleetsim check', () => {
  it('passes (exit 0) when the held strategy meets every target, judged on the 95% bound', () => {
    const run = runCli('check', SCENARIO, '--workers', '1');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^ok {2}team-targets: 1 strategy meets every target \(seed 7, 5 replications\)\n/);
    expect(run.stdout).toMatch(/least-work-left +yes +deadlineSuccess +[\d.]+( ± [\d.<]+| \[[\d.]+, [\d.]+\])? +[\d.]+ +≥ 0\.95 +pass/);
    expect(run.stdout).not.toContain('round-robin');
    expect(run.stdout).toContain('the upper bound for a max, the lower bound for a min');
    expect(run.stdout).toMatch(/check: 1 scenario: every targeted strategy meets its targets\n$/);
  });

  it('warns, as compare does, when too few replications make the intervals it judges on unreliable', () => {
    const few = runCli('check', SCENARIO, '--workers', '1', '--replications', '3');
    expect(few.status, few.stderr).toBe(0);
    expect(few.stdout).toMatch(/^ok {2}team-targets: .* \(seed 7, 3 replications\)\nwarning: only 3 replications: the 95% intervals rest on 2 degrees of freedom/);
    expect(runCli('check', SCENARIO, '--workers', '1').stdout).not.toContain('warning:');
  });

  it('fails (exit 1) when round-robin is held to the targets too', () => {
    const file = variant((text) => text.replace(HELD, 'strategies: [least-work-left, round-robin]\n'));
    const run = runCli('check', file, '--workers', '1');
    expect(run.status, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/^FAIL {2}team-targets: round-robin misses deadlineSuccess /);
    expect(run.stdout).toMatch(/round-robin +yes +deadlineSuccess +[\d.]+ ± [\d.]+ +[\d.]+ +≥ 0\.95 +FAIL/);
    expect(run.stdout).toContain('check: FAILED: 1 of 1 scenario missed a target');
  });

  it('rejects (exit 2) a scenario without targets, an unknown metric, min above max and a bad flag', () => {
    const none = runCli('check', 'test/fixtures/scenarios/minimal.yaml');
    expect(none.status).toBe(2);
    expect(none.stderr).toBe('fleetsim: test/fixtures/scenarios/minimal.yaml: targets: absent: nothing to check (add a targets section: docs/SCENARIOS.md, "Targets")\n');
    const unknown = variant((text) => text.replace('metric: deadlineSuccess', 'metric: deadlineSucess'));
    const bad = runCli('check', unknown);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(new RegExp(`^fleetsim: ${unknown}: targets\\.checks\\[3\\]\\.metric: unknown metric "deadlineSucess" \\(did you mean "deadlineSuccess"\\?\\); metrics: `));
    const inverted = variant((text) => text.replace('{ metric: utilization, min: 0.8 }', '{ metric: utilization, min: 0.8, max: 0.5 }'));
    expect(runCli('check', inverted).stderr).toBe(`fleetsim: ${inverted}: targets.checks[4].min: expected at most max (0.5), got 0.8: no value could meet the target\n`);
    const flag = runCli('check', SCENARIO, '--replications', '0');
    expect(flag.status).toBe(2);
    expect(flag.stderr).toContain('--replications: expected an integer 1..1000, got 0');
  });
});

describe('fleetsim compare with targets', () => {
  it('shows pass/fail per strategy on the terminal, in summary.json, summary.md and index.html', () => {
    const out = mkdtempSync(join(tmpdir(), 'fleetsim-targets-report-'));
    const run = runCli('compare', SCENARIO, '--workers', '1', '--out', out);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('Targets: bound of the 95% CI judged per check');
    expect(run.stdout).toMatch(/\nleast-work-left +yes +[^\n]* pass\n/);
    expect(run.stdout).toMatch(/\nround-robin +- +[^\n]*miss[^\n]* fail\n/);
    const document = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as ExperimentDocument;
    const targets = document.cells[0]!.targets!;
    expect(targets.strategies).toEqual(['least-work-left']);
    expect(targets.results.map((r) => [r.strategy, r.targeted, r.pass])).toEqual([
      ['least-work-left', true, true], ['join-shortest-queue', false, true], ['round-robin', false, false],
    ]);
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toMatch(/Targets \(the bound of the 95% interval judged per check\):\n\n\| strategy \| held \| gini\.tasks ≤ 0\.1 \|/);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).toContain('<h2 id="targets">Targets</h2>');
    expect(html).toMatch(/<td class="label">round-robin<\/td><td class="label">-<\/td><td class="label">deadlineSuccess<\/td><td>[\d.]+ ± [\d.]+<\/td><td>[\d.]+<\/td><td>≥ 0\.95<\/td><td>fail<\/td>/);

    // A damaged targets block in a saved summary.json is bad input for `report`, not a crash.
    const damaged = join(out, 'damaged.json');
    const { pass: _dropped, ...withoutPass } = targets.results[0]!;
    writeFileSync(damaged, JSON.stringify({ ...document, cells: [{ ...document.cells[0]!, targets: { ...targets, results: [withoutPass] } }] }));
    const report = runCli('report', damaged, '--out', join(out, 'again'));
    expect(report.status).toBe(2);
    expect(report.stderr).toBe(`fleetsim: ${damaged}: cells[0].targets.results[0].pass: required: expected true or false\n`);
  });
});

describe('fleetsim run with targets', () => {
  it('shows the same pass/fail column per strategy under its table, and keeps --json to its shape', () => {
    const run = runCli('run', SCENARIO, '--workers', '1');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('Targets: bound of the 95% CI judged per check');
    expect(run.stdout).toMatch(/\nleast-work-left +yes +[^\n]* pass\n/);
    expect(run.stdout).toMatch(/\nround-robin +- +[^\n]*miss[^\n]* fail\n/);
    const json = runCli('run', SCENARIO, '--workers', '1', '--json');
    expect(json.status, json.stderr).toBe(0);
    expect(Object.keys(JSON.parse(json.stdout) as object)).toEqual(['scenario', 'seed', 'replications', 'results']);
  });
});
