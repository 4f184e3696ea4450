import { compile, type TopLevelSpec } from 'vega-lite';
import { describe, expect, it } from 'vitest';
import { summarizeCell } from '../../src/experiments/cell.js';
import { buildDocument } from '../../src/experiments/document.js';
import { reportCharts } from '../../src/report/charts.js';
import { oneRun, withClasses } from '../experiments/runs.js';

/** A compare of a and b whose runs have priorities 0 and 2 (types t0, t2; one tenant). */
function classedCompare(): ReturnType<typeof buildDocument> {
  const strategies = ['a', 'b'].map((label) => ({ name: 'random', label, params: {} }));
  const cell = summarizeCell({
    index: 0, params: {}, strategies,
    runs: [[2, 3, 4].map((n) => withClasses(oneRun(), { 0: n, 2: 10 })), [5, 6, 7].map((n) => withClasses(oneRun(), { 0: n, 2: 12 }))],
  }, 'a');
  return buildDocument({
    kind: 'compare', scenario: 'tiny', seed: 1, replications: 3, baseline: 'a', grid: [], cells: [cell],
    timing: { parts: [{ shard: null, wallSeconds: 1, workers: 1 }], strategies: [] },
  });
}

describe('the chart by class', () => {
  it('draws latency p95 per class and strategy for each dimension with two classes or more', () => {
    const charts = reportCharts(classedCompare()).filter((chart) => chart.name.startsWith('class-'));
    expect(charts.map((chart) => chart.name)).toEqual(['class-type-latency-p95', 'class-priority-latency-p95']);
    const byPriority = charts[1]!;
    expect(byPriority.title).toBe('Latency p95 (s) by priority');
    const rows = ((byPriority.spec as { data: unknown }).data as { values: { class: string; strategy: string; mean: number; low: number; high: number }[] }).values;
    expect(rows.map((row) => `${row.class} ${row.strategy}`)).toEqual(['0 a', '0 b', '2 a', '2 b']);
    // withClasses gives class p95 = its task count: 2, 3, 4 under a → mean 3, half-width t(0.975, 2)·1/√3.
    expect(rows[0]!.mean).toBeCloseTo(3, 12);
    expect(rows[0]!.high - rows[0]!.mean).toBeCloseTo(4.302653 / Math.sqrt(3), 5);
    expect(rows[2]).toMatchObject({ mean: 10, low: 10, high: 10 });
    expect(compile(byPriority.spec as TopLevelSpec).spec).toBeDefined();
  });
});
