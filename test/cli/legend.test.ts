/**
 * The legend under the terminal tables of `run` and `compare`: what the abbreviated columns
 * mean, and which parameters tell apart the variants of a strategy listed twice. Never in --json.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './runCli.js';

const FLEET = 'test/fixtures/scenarios/fleet-small.yaml';
/** fleet-small configures power-of-d with d = 2: the bare name keeps it, the braces add d = 3. */
const VARIANTS = ['--strategy', 'power-of-d{d=3},power-of-d,random', '--replications', '2'];

/** The lines of the legend: from `legend:` to the first line that is not indented. */
function legend(stdout: string): string[] {
  const lines = stdout.split('\n');
  const start = lines.indexOf('legend:');
  expect(start, stdout).toBeGreaterThanOrEqual(0);
  const rest = lines.slice(start + 1);
  return rest.slice(0, rest.findIndex((line) => !line.startsWith('  ')));
}

describe('the legend of fleetsim run', () => {
  const run = runCli('run', FLEET, ...VARIANTS);

  it('explains every column of the table', () => {
    expect(run.status, run.stderr).toBe(0);
    const header = run.stdout.split('\n').find((line) => line.startsWith('strategy '))!.split(/ {2,}/).slice(1);
    expect(header).toContain('util');
    expect(header).toContain('ctx waste');
    const terms = legend(run.stdout).map((line) => line.trim().split(/ {2,}/)[0]);
    for (const title of header) expect(terms).toContain(title);
  });

  it('gives the parameters of each variant of a strategy listed twice, as --strategy takes them', () => {
    const lines = legend(run.stdout);
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}power-of-d +the variant power-of-d\{d=3\}$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}power-of-d#2 +the variant power-of-d\{d=2\}$/));
    expect(lines.join('\n')).not.toContain('random');
  });

  it('is not part of --json', () => {
    const json = runCli('run', FLEET, ...VARIANTS, '--json');
    expect(json.status).toBe(0);
    expect(json.stdout).not.toContain('legend');
    const document = JSON.parse(json.stdout) as { results: { strategy: string; params: unknown }[] };
    expect(document.results.map((r) => [r.strategy, r.params])).toEqual([['power-of-d', { d: 3 }], ['power-of-d#2', { d: 2 }], ['random', {}]]);
  });
});

describe('the legend of fleetsim compare', () => {
  it('explains each leaderboard metric and the variants, and is not part of --json', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'fleetsim-legend-')), 'report');
    const run = runCli('compare', FLEET, ...VARIANTS, '--workers', '1', '--out', out);
    expect(run.status, run.stderr).toBe(0);
    const lines = legend(run.stdout);
    for (const term of ['gini tasks', 'latency p95 (s)', 'deadline success', 'context waste', 'quality', 'Δ vs leader']) {
      expect(lines.some((line) => line.startsWith(`  ${term}  `)), term).toBe(true);
    }
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}power-of-d#2 +the variant power-of-d\{d=2\}$/));
    const json = runCli('compare', FLEET, ...VARIANTS, '--workers', '1', '--out', out, '--json');
    expect(json.stdout).not.toContain('legend');
  });
});
