import { describe, expect, it } from 'vitest';
import { leaderboards } from '../../src/experiments/leaderboard.js';
import type { MetricInfo, StrategyOutcome } from '../../src/experiments/types.js';
import { summarize } from '../../src/metrics/summary.js';
import type { RunMetrics } from '../../src/metrics/types.js';
import { oneRun } from './runs.js';

function outcome(strategy: string, latencies: readonly (number | null)[]): StrategyOutcome {
  const runs: RunMetrics[] = latencies.map((p95) => oneRun({ latencyP95: p95 }));
  const summary = summarize(runs);
  return { strategy, name: strategy, params: {}, metrics: summary.metrics, ci95: summary.ci95, ci95Low: summary.ci95Low, ci95High: summary.ci95High, perReplication: runs, paired: {} };
}

const P95: MetricInfo = { path: 'latency.p95', title: 'p95', better: 'lower', leaderboard: true, digits: 2 };

describe('leaderboards', () => {
  it('ranks by mean in the metric\'s direction, with the paired difference to the leader', () => {
    const contenders = [
      { cell: 0, outcome: outcome('slow', [10, 12]) },
      { cell: 0, outcome: outcome('fast', [5, 6]) },
      { cell: 1, outcome: outcome('mid', [8, 9]) },
    ];
    const [lower] = leaderboards(contenders, [P95]);
    expect(lower!.entries.map((e) => [e.rank, e.cell, e.strategy, e.mean])).toEqual([[1, 0, 'fast', 5.5], [2, 1, 'mid', 8.5], [3, 0, 'slow', 11]]);
    expect(lower!.entries[2]!.vsLeader).toMatchObject({ mean: 5.5, n: 2 });
    const [higher] = leaderboards(contenders, [{ ...P95, better: 'higher' }]);
    expect(higher!.entries.map((e) => e.strategy)).toEqual(['slow', 'mid', 'fast']);
  });

  it('names no leader when the runner-up is significantly better than the first on the replications both have', () => {
    // 'gappy' ranks first on a mean over six replications, three of them where 'paired' has no
    // data; on the three both have, 'paired' is lower every time, significantly.
    const contenders = [
      { cell: 0, outcome: outcome('gappy', [5, 6, 7, 1, 1, 1]) },
      { cell: 0, outcome: outcome('paired', [4, 4.9, 6.1, null, null, null]) },
    ];
    const [board] = leaderboards(contenders, [P95]);
    expect(board!.entries.map((e) => e.strategy)).toEqual(['gappy', 'paired']);
    expect(board!.entries[1]!.mean!).toBeGreaterThan(board!.entries[0]!.mean!);
    expect(board!.entries[1]!.vsLeader.significant).toBe(true);
    expect(board!.entries[1]!.vsLeader.mean!).toBeLessThan(0);
    expect(board!.leaderSignificant).toBe(false);
    // The same runs with the runner-up behind on its pairs too: then the first leads.
    const behind = leaderboards([contenders[0]!, { cell: 0, outcome: outcome('paired', [6, 7.1, 7.9, null, null, null]) }], [P95])[0]!;
    expect(behind.entries[1]!.vsLeader.significant).toBe(true);
    expect(behind.leaderSignificant).toBe(true);
  });

  it('breaks ties by the order given and puts strategies without data last', () => {
    const contenders = [
      { cell: 0, outcome: outcome('none', [null, null]) },
      { cell: 0, outcome: outcome('a', [5, 5]) },
      { cell: 0, outcome: outcome('b', [5, 5]) },
    ];
    const [board] = leaderboards(contenders, [P95]);
    expect(board!.entries.map((e) => e.strategy)).toEqual(['a', 'b', 'none']);
    expect(board!.entries[2]).toMatchObject({ rank: 3, mean: null, vsLeader: { mean: null, n: 0 } });
  });
});
