import { describe, expect, it } from 'vitest';
import { leafPaths } from '../../src/metrics/summary.js';
import { leaderboardsCsv, resultsCsv } from '../../src/report/csv.js';
import { oneRun } from '../experiments/runs.js';
import { smallSweep } from './documents.js';

describe('results.csv', () => {
  it('has one row per cell × strategy × replication, with the swept values and every metric', () => {
    const lines = resultsCsv(smallSweep()).trimEnd().split('\n');
    expect(lines[0]).toBe(['cell', 'agents[0].count', 'strategy', 'replication', ...leafPaths(oneRun())].join(','));
    expect(lines).toHaveLength(1 + 2 * 2 * 2);
    const header = lines[0]!.split(',');
    const row = (i: number): Record<string, string> => Object.fromEntries(lines[i]!.split(',').map((v, j) => [header[j]!, v]));
    expect(row(1)).toMatchObject({ cell: '0', 'agents[0].count': '2', strategy: 'round-robin', replication: '0', 'latency.p95': '10' });
    expect(row(8)).toMatchObject({ cell: '1', 'agents[0].count': '3', strategy: 'power-of-d', replication: '1', 'latency.p95': '8' });
    // No data is an empty field, never a zero.
    expect(row(8)['quality.mean']).toBe('');
  });

  it('leaderboards.csv lists every leaderboard entry with its cell, swept values and gap to the leader', () => {
    const lines = leaderboardsCsv(smallSweep()).trimEnd().split('\n');
    expect(lines[0]).toBe('metric,better,rank,cell,agents[0].count,strategy,mean,halfWidth,low,high,vsLeader.mean,vsLeader.halfWidth,vsLeader.significant');
    expect(lines).toHaveLength(1 + 5 * 4);
    const p95 = lines.filter((line) => line.startsWith('latency.p95,'));
    expect(p95[0]).toMatch(/^latency\.p95,lower,1,0,2,power-of-d,6\.5,[\d.]+,[\d.]+,[\d.]+,0,0,false$/);
    // Identical differences from two replications: a degenerate interval, not significant.
    expect(p95[1]).toMatch(/^latency\.p95,lower,2,1,3,power-of-d,7\.5,[\d.]+,[\d.]+,[\d.]+,1,0,false$/);
    // 11 ± 12.71 reaches below 0, where no latency lies: the low bound is clipped to 0.
    expect(p95[2]).toMatch(/^latency\.p95,lower,3,0,2,round-robin,11,12\.7\d+,0,23\.7\d+,/);
  });
});
