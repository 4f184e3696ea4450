import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { executeCells, runCells, type ExperimentProgress } from '../../src/experiments/experiment.js';
import { pairedDifference } from '../../src/experiments/paired.js';
import { ExperimentPool } from '../../src/experiments/pool.js';
import type { ExperimentDocument, StrategyOutcome } from '../../src/experiments/types.js';
import { leaderboardMetrics, metricValue } from '../../src/metrics/directions.js';
import { halfWidth95 } from '../../src/metrics/summary.js';
import { studentT975 } from '../../src/metrics/studentT.js';
import { InputError } from '../../src/scenario/errors.js';
import { loadScenario, parseScenario } from '../../src/scenario/load.js';
import { sampleVariance } from 'simple-statistics';
import { ROOT } from '../cli/runCli.js';
import { experimentOf, fleetSmallText, withoutTiming } from './support.js';

function outcome(document: ExperimentDocument, label: string): StrategyOutcome {
  const found = document.cells[0]!.strategies.find((s) => s.strategy === label);
  if (found === undefined) throw new Error(`no ${label}`);
  return found;
}

describe('compare', () => {
  it('ranks the strategies of specialists.yaml on every headline metric, with intervals', async () => {
    const scenario = loadScenario(join(ROOT, 'scenarios/specialists.yaml'), { replications: 3 });
    const document = await runCells({ kind: 'compare', file: 'specialists.yaml', cells: [{ index: 0, params: {}, scenario }], grid: [], workers: 1 });
    expect(document).toMatchObject({ kind: 'compare', scenario: 'specialists-under-pressure', seed: 42, replications: 3, baseline: 'round-robin' });
    expect(document.leaderboards.map((b) => b.metric)).toEqual(leaderboardMetrics().map((m) => m.path));
    for (const board of document.leaderboards) {
      expect(board.entries.map((e) => e.rank)).toEqual([1, 2, 3]);
      expect(new Set(board.entries.map((e) => e.strategy))).toEqual(new Set(['round-robin', 'random', 'least-connections']));
      const means = board.entries.map((e) => e.mean!);
      const sorted = [...means].sort((a, b) => (board.better === 'lower' ? a - b : b - a));
      expect(means, board.metric).toEqual(sorted);
      for (const entry of board.entries) {
        expect(entry.halfWidth, board.metric).toBeGreaterThan(0);
        expect(entry.vsLeader.n).toBe(3);
      }
      expect(board.entries[0]!.vsLeader).toMatchObject({ mean: 0, significant: false });
    }
    // The baseline's own paired differences are zero; the others' are this − baseline.
    const base = outcome(document, 'round-robin');
    expect(Object.values(base.paired).every((d) => d.mean === 0 || d.mean === null)).toBe(true);
    const lc = outcome(document, 'least-connections');
    expect(lc.paired['latency.p95']!.mean).toBeCloseTo(lc.metrics.latency.p95! - base.metrics.latency.p95!, 9);
    expect(document.cells[0]!.leaderboards).toEqual(document.leaderboards);
  });

  it('pairs on common random numbers: the paired half-width of a difference is smaller than the unpaired one', async () => {
    // join-shortest-queue and power-of-d route by queue lengths, so most of their run-to-run
    // variation comes from the workload, which common random numbers share. (Random routing's
    // variation is mostly its own draws, which no pairing can cancel.)
    const document = await experimentOf(fleetSmallText(), { overrides: { replications: 6 } });
    const series = (label: string, metric: string) => outcome(document, label).perReplication.map((run) => metricValue(run, metric)!);
    for (const metric of ['latency.mean', 'wait.mean']) {
      const x = series('join-shortest-queue', metric);
      const y = series('power-of-d', metric);
      const n = x.length;
      const paired = halfWidth95(x.map((v, r) => v - y[r]!))!;
      // Two independent samples of n: t(0.975, 2n − 2) · √(s²ₓ/n + s²ᵧ/n).
      const unpaired = studentT975(2 * n - 2) * Math.sqrt(sampleVariance(x) / n + sampleVariance(y) / n);
      expect(paired, metric).toBeLessThan(unpaired);
    }
    const board = document.leaderboards.find((b) => b.metric === 'latency.p95')!;
    expect(board.entries.map((e) => e.strategy)).toEqual(['join-shortest-queue', 'power-of-d', 'random']);
    const gap = pairedDifference(series('power-of-d', 'latency.mean'), series('join-shortest-queue', 'latency.mean'));
    expect(gap.significant).toBe(true);
    expect(outcome(document, 'join-shortest-queue').paired['latency.mean']!.significant).toBe(true);
  });

  it('gives the same document with one worker and with two, apart from timing', async () => {
    const text = fleetSmallText();
    const one = await experimentOf(text, { overrides: { replications: 3 }, workers: 1 });
    const pool = new ExperimentPool(2);
    try {
      const two = await experimentOf(text, { overrides: { replications: 3 }, pool });
      expect(two.timing.parts[0]!.workers).toBe(2);
      expect(withoutTiming(two)).toBe(withoutTiming(one));
      const sweepOne = await experimentOf(text, { params: ['stop.time=300,500'], overrides: { replications: 2 }, workers: 1 });
      const sweepTwo = await experimentOf(text, { params: ['stop.time=300,500'], overrides: { replications: 2 }, pool });
      expect(withoutTiming(sweepTwo)).toBe(withoutTiming(sweepOne));
    } finally {
      await pool.close();
    }
  });

  it('takes the paired differences against --baseline and refuses an unknown one', async () => {
    const document = await experimentOf(fleetSmallText(), { overrides: { replications: 2 }, baseline: 'power-of-d' });
    expect(document.baseline).toBe('power-of-d');
    expect(outcome(document, 'power-of-d').paired['latency.mean']!.mean).toBe(0);
    await expect(experimentOf(fleetSmallText(), { baseline: 'power-of-e' })).rejects.toThrow(InputError);
    await expect(experimentOf(fleetSmallText(), { baseline: 'power-of-e' })).rejects.toThrow(
      'fleet.yaml: --baseline: no strategy "power-of-e"; strategies: random, power-of-d, join-shortest-queue');
  });

  it('keeps per-replication per-agent loads in the document', async () => {
    const document = await experimentOf(fleetSmallText(), { overrides: { replications: 2 } });
    const runs = outcome(document, 'random').perReplication;
    expect(runs).toHaveLength(2);
    expect(runs[0]!.perAgent.map((a) => a.id)).toEqual(Array.from({ length: 10 }, (_, i) => `worker-${i}`));
  });
});

describe('progress', () => {
  it('counts finished runs and finishes the cells of a sweep in order on two workers, not all at the end', async () => {
    const scenario = parseScenario(fleetSmallText(), 'fleet.yaml', { replications: 8, strategies: ['random'] });
    const short = { ...scenario, stop: { ...scenario.stop, timeSeconds: 150 } };
    const cells = [0, 1].map((index) => ({ index, params: {}, scenario: short }));
    const seen: ExperimentProgress[] = [];
    await executeCells(cells, { workers: 2, onProgress: (state) => seen.push(state) });
    expect(seen.map((state) => state.runsDone)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    const firstCellDone = seen.find((state) => state.cellsDone === 1)!;
    expect(firstCellDone.runsDone).toBeLessThan(16);
    expect(seen.at(-1)).toEqual({ runsDone: 16, runs: 16, cellsDone: 2, cells: 2 });
  });
});
