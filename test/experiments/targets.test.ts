import { mean } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { evaluateTargets, judge, targetMisses, targetText } from '../../src/experiments/targets.js';
import type { StrategyOutcome } from '../../src/experiments/types.js';
import { halfWidth95 } from '../../src/metrics/summary.js';
import type { RunMetrics } from '../../src/metrics/types.js';
import { oneRun } from './runs.js';

/** Runs whose deadline success is each of `values` (null: no task had a deadline). */
function deadlineRuns(values: readonly (number | null)[]): RunMetrics[] {
  return values.map((deadlineSuccess) => ({ ...oneRun(), deadlineSuccess }));
}

function outcome(strategy: string, runs: RunMetrics[]): StrategyOutcome {
  return { strategy, name: strategy, params: {}, metrics: runs[0]!, ci95: runs[0]!, ci95Low: runs[0]!, ci95High: runs[0]!, perReplication: runs, paired: {} };
}

describe('judging a target', () => {
  const values = [0.97, 0.95, 0.99, 0.96];
  const average = mean(values);
  const halfWidth = halfWidth95(values)!;

  it('judges a min on the lower bound of the 95% interval, not on the mean', () => {
    const met = judge({ metric: 'deadlineSuccess', min: average - halfWidth - 1e-9, max: null }, { perReplication: deadlineRuns(values) });
    expect(met).toMatchObject({ mean: average, halfWidth, low: average - halfWidth, high: average + halfWidth, pass: true });
    // The mean clears this minimum, the lower bound does not: a miss.
    const missed = judge({ metric: 'deadlineSuccess', min: average - halfWidth / 2, max: null }, { perReplication: deadlineRuns(values) });
    expect(missed.mean).toBeGreaterThan(average - halfWidth / 2);
    expect(missed.pass).toBe(false);
  });

  it('judges a max on the upper bound, and both bounds when both are given', () => {
    const runs = deadlineRuns(values);
    expect(judge({ metric: 'deadlineSuccess', min: null, max: average + halfWidth + 1e-9 }, { perReplication: runs }).pass).toBe(true);
    expect(judge({ metric: 'deadlineSuccess', min: null, max: average }, { perReplication: runs }).pass).toBe(false);
    expect(judge({ metric: 'deadlineSuccess', min: 0.9, max: 1 }, { perReplication: runs }).pass).toBe(true);
    expect(judge({ metric: 'deadlineSuccess', min: 0.9, max: average }, { perReplication: runs }).pass).toBe(false);
  });

  it('averages over the replications with data, and fails a metric no replication has', () => {
    const some = judge({ metric: 'deadlineSuccess', min: 0.5, max: null }, { perReplication: deadlineRuns([0.8, null, 0.9]) });
    expect(some.mean).toBeCloseTo(0.85, 12);
    const none = judge({ metric: 'deadlineSuccess', min: 0, max: null }, { perReplication: deadlineRuns([null, null]) });
    expect(none).toMatchObject({ mean: null, halfWidth: null, low: null, high: null, pass: false });
  });

  it('derives completion as completed over submitted per replication', () => {
    const runs = [8, 9, 10].map((completed) => ({ ...oneRun(), tasks: { ...oneRun().tasks, submitted: 10, completed } }));
    const judged = judge({ metric: 'completion', min: 0.5, max: null }, { perReplication: runs });
    expect(judged.mean).toBeCloseTo(0.9, 12);
    expect(judged.halfWidth).toBeCloseTo(halfWidth95([0.8, 0.9, 1])!, 12);
  });
});

describe('targets of a cell', () => {
  const policy = { strategies: ['good'], checks: [{ metric: 'deadlineSuccess', min: 0.9, max: null }, { metric: 'gini.tasks', min: null, max: 0.3 }] };
  const good = outcome('good', deadlineRuns([0.97, 0.98, 0.99]));
  const bad = outcome('bad', deadlineRuns([0.7, 0.8, 0.75]));

  it('judges every strategy of the cell, marking the held ones, in the cell\'s order', () => {
    const targets = evaluateTargets(policy, [good, bad]);
    expect(targets.strategies).toEqual(['good']);
    expect(targets.checks).toEqual(policy.checks);
    expect(targets.results.map((r) => [r.strategy, r.targeted, r.pass])).toEqual([['good', true, true], ['bad', false, false]]);
    expect(targets.results[1]!.checks.map((c) => c.pass)).toEqual([false, true]);
  });

  it('counts a miss only for a held strategy', () => {
    const cell = (targets: ReturnType<typeof evaluateTargets>) => ({ cells: [{ index: 0, params: {}, baseline: 'good', strategies: [good, bad], leaderboards: [], targets }] });
    expect(targetMisses(cell(evaluateTargets(policy, [good, bad])))).toEqual([]);
    expect(targetMisses(cell(evaluateTargets({ ...policy, strategies: ['good', 'bad'] }, [good, bad]))))
      .toEqual([{ cell: 0, strategy: 'bad', metrics: ['deadlineSuccess'] }]);
    expect(targetMisses({ cells: [{ index: 0, params: {}, baseline: 'good', strategies: [good, bad], leaderboards: [] }] })).toEqual([]);
  });

  it('writes a target as people do', () => {
    expect(targetText({ metric: 'x', min: 0.95, max: null })).toBe('≥ 0.95');
    expect(targetText({ metric: 'x', min: null, max: 0.3 })).toBe('≤ 0.3');
    expect(targetText({ metric: 'x', min: 0.1, max: 0.3 })).toBe('0.1 … 0.3');
  });
});
