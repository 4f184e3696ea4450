/**
 * `--by type|priority|tenant` of `run` and `compare`: a table row per class and strategy (and,
 * in a compare, the paired differences per class), classes agreeing with the JSON document, and
 * an unknown class refused with exit 2 naming the flag.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectInputError, runCli } from './runCli.js';

const SCENARIO = 'scenarios/specialists.yaml';

/** The rows of the table that follows the line starting with `title`. */
function rowsAfter(stdout: string, title: string): string[][] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((line) => line.startsWith(title));
  expect(start, `no "${title}" in\n${stdout}`).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 3)) {
    if (line.trim() === '') break;
    rows.push(line.split(/\s{2,}/));
  }
  return rows;
}

describe('fleetsim run --by', () => {
  it('prints one row per priority and strategy, figures as in the JSON document', () => {
    const run = runCli('run', SCENARIO, '--replications', '2', '--workers', '1', '--strategy', 'random,least-connections', '--by', 'priority');
    expect(run.status, run.stderr).toBe(0);
    const rows = rowsAfter(run.stdout, 'by priority');
    expect(rows.map((row) => `${row[0]} ${row[1]}`)).toEqual([
      '1 random', '1 least-connections', '2 random', '2 least-connections', '3 random', '3 least-connections',
    ]);
    const json = runCli('run', SCENARIO, '--replications', '2', '--workers', '1', '--strategy', 'random,least-connections', '--json');
    const doc = JSON.parse(json.stdout) as { results: { metrics: { byPriority: Record<string, { tasks: { submitted: number } }> } }[] };
    const submitted = doc.results[0]!.metrics.byPriority['3']!.tasks.submitted;
    expect(rows[4]![2]!.startsWith(submitted.toFixed(0))).toBe(true);
  });

  it('shows each tenant\'s demand share, service share and their ratio, as in the JSON document', () => {
    const args = ['run', 'scenarios/tenant-burst.yaml', '--replications', '2', '--workers', '1', '--strategy', 'fair-share'];
    const run = runCli(...args, '--by', 'tenant');
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.split('\n');
    const header = lines[lines.findIndex((line) => line.startsWith('by tenant')) + 1]!.split(/\s{2,}/);
    const rows = rowsAfter(run.stdout, 'by tenant');
    expect(rows.map((row) => row[0])).toEqual(['alpha', 'batch', 'beta', 'gamma']);
    const json = runCli(...args, '--json');
    type Share = { demand: number; service: number; ratio: number };
    const doc = JSON.parse(json.stdout) as { results: { metrics: { byTenant: Record<string, { share: Share }> } }[] };
    const batch = doc.results[0]!.metrics.byTenant.batch!.share;
    const cell = (title: string): string => rows[1]![header.indexOf(title)]!;
    expect(cell('demand share').startsWith(batch.demand.toFixed(3))).toBe(true);
    expect(cell('service share').startsWith(batch.service.toFixed(3))).toBe(true);
    expect(cell('service ÷ demand').startsWith(batch.ratio.toFixed(3))).toBe(true);
    // The shares of the tenants make up all the demand.
    const demands = Object.values(doc.results[0]!.metrics.byTenant).map((tenant) => tenant.share.demand);
    expect(demands.reduce((a, b) => a + b)).toBeCloseTo(1, 9);
  });

  it('refuses an unknown class with exit 2 and one line naming --by', () => {
    expectInputError(runCli('run', SCENARIO, '--by', 'owner'), 'command line', '--by', 'unknown class "owner"', 'type, priority, tenant');
  });
});

describe('fleetsim compare --by', () => {
  it('prints the means and the paired differences to the baseline by type', () => {
    const out = mkdtempSync(join(tmpdir(), 'fleetsim-by-'));
    const run = runCli('compare', SCENARIO, '--replications', '2', '--workers', '1', '--strategy', 'round-robin,least-connections', '--by', 'type', '--out', out);
    expect(run.status, run.stderr).toBe(0);
    expect(rowsAfter(run.stdout, 'Means by type').map((row) => row[0])).toEqual(['code', 'code', 'research', 'research', 'review', 'review']);
    const paired = rowsAfter(run.stdout, 'Paired differences by type to round-robin');
    expect(paired.map((row) => row[1])).toEqual([
      'round-robin (baseline)', 'least-connections', 'round-robin (baseline)', 'least-connections', 'round-robin (baseline)', 'least-connections',
    ]);
    expect(paired[1]![2]).toMatch(/^[+-]?\d/);
  });

  it('refuses an unknown class before running anything', () => {
    expectInputError(runCli('compare', SCENARIO, '--by', 'tenants'), '--by', 'unknown class "tenants"', 'did you mean');
  });
});
