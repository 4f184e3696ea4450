import { describe, expect, it } from 'vitest';
import { leafPaths } from '../../src/metrics/summary.js';
import { summarizeCell } from '../../src/experiments/cell.js';
import { buildDocument } from '../../src/experiments/document.js';
import { agentsCsv, classesCsv, leaderboardsCsv, resultsCsv } from '../../src/report/csv.js';
import { oneRun, withClasses } from '../experiments/runs.js';
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

describe('classes.csv', () => {
  it('has one row per strategy × replication × class, every class of the cell in every replication', () => {
    const strategies = ['a', 'b'].map((label) => ({ name: 'random', label, params: {} }));
    const cell = summarizeCell({
      index: 0, params: {}, strategies,
      runs: [
        [withClasses(oneRun(), { 0: 3, 2: 5 }), withClasses(oneRun(), { 0: 4, 2: 6 })],
        [withClasses(oneRun(), { 0: 2, 2: 7 }), withClasses(oneRun(), { 0: 1 })],
      ],
    }, 'a');
    const document = buildDocument({
      kind: 'compare', scenario: 'tiny', seed: 1, replications: 2, baseline: 'a', grid: [], cells: [cell],
      timing: { parts: [{ shard: null, wallSeconds: 1, workers: 1 }], strategies: [] },
    });
    const lines = classesCsv(document).trimEnd().split('\n');
    const header = lines[0]!.split(',');
    expect(header.slice(0, 7)).toEqual(['cell', 'strategy', 'replication', 'dimension', 'class', 'tasks.submitted', 'tasks.completed']);
    expect(header).toContain('latency.p95');
    expect(header).toContain('deadlineSuccess');
    // 2 strategies × 2 replications × (2 types + 2 priorities + 1 tenant).
    expect(lines).toHaveLength(1 + 2 * 2 * 5);
    const rows = lines.slice(1).map((line) => Object.fromEntries(line.split(',').map((v, j) => [header[j]!, v])));
    const lacking = rows.find((row) => row.strategy === 'b' && row.replication === '1' && row.dimension === 'priority' && row.class === '2')!;
    // A class the run had none of: no tasks, and no data rather than a zero latency.
    expect(lacking['tasks.submitted']).toBe('0');
    expect(lacking['latency.mean']).toBe('');
    const tenant = rows.find((row) => row.strategy === 'a' && row.replication === '0' && row.dimension === 'tenant')!;
    expect(tenant).toMatchObject({ class: 'default', 'tasks.completed': '8' });
  });
});

describe('agents.csv', () => {
  it('has one row per cell × strategy × replication × agent, in fleet order, with the swept values and every figure of the agent', () => {
    const fleet = (shift: number) => ['b-1', 'a-0', 'c-2'].map((id, i) => ({ id, completed: i + shift, tokens: 10 * (i + shift), busySeconds: 0.5 * i, drainingSeconds: shift }));
    const strategies = ['a', 'b'].map((label) => ({ name: 'random', label, params: {} }));
    const cells = [2, 3].map((count, index) => summarizeCell({
      index, params: { 'agents[0].count': count }, strategies,
      runs: [[{ ...oneRun(), perAgent: fleet(0) }, { ...oneRun(), perAgent: fleet(1) }], [{ ...oneRun(), perAgent: fleet(2) }, { ...oneRun(), perAgent: fleet(3) }]],
    }, 'a'));
    const document = buildDocument({
      kind: 'sweep', scenario: 'tiny', seed: 1, replications: 2, baseline: 'a', grid: [{ path: 'agents[0].count', values: [2, 3] }], cells,
      timing: { parts: [{ shard: null, wallSeconds: 1, workers: 1 }], strategies: [] },
    });
    const lines = agentsCsv(document).trimEnd().split('\n');
    expect(lines[0]).toBe('cell,agents[0].count,strategy,replication,agent,completed,tokens,busySeconds,drainingSeconds');
    // 2 cells × 2 strategies × 2 replications × 3 agents.
    expect(lines).toHaveLength(1 + 2 * 2 * 2 * 3);
    expect(lines.slice(1, 4)).toEqual(['0,2,a,0,b-1,0,0,0,0', '0,2,a,0,a-0,1,10,0.5,0', '0,2,a,0,c-2,2,20,1,0']);
    expect(lines.at(-1)).toBe('1,3,b,1,c-2,5,50,1,3');
  });
});
