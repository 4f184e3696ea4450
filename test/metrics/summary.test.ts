import fc from 'fast-check';
import { mean } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { halfWidth95, leafPaths, metricLeaves, summarize } from '../../src/metrics/summary.js';
import type { AgentMetrics, RunMetrics } from '../../src/metrics/types.js';
import { oneRun } from '../experiments/runs.js';

/** A complete run (the shared hand-built one) whose figures the tests then vary. */
function run(changes: Partial<RunMetrics> = {}): RunMetrics {
  return { ...oneRun(), ...changes };
}

function agent(id: string, completed: number, busySeconds: number): AgentMetrics {
  return { id, completed, tokens: completed * 100, busySeconds, drainingSeconds: 0 };
}

describe('summarize', () => {
  it('gives each leaf its mean and the half-width t(0.975, R − 1)·s/√R', () => {
    const runs = [1, 2, 3].map((mean) => run({ latency: { mean, p50: 1, p95: 1, p99: 1 } }));
    const summary = summarize(runs);
    expect(summary.metrics.latency.mean).toBeCloseTo(2, 12);
    // s = 1, t(0.975, 2) = 4.302653: 4.302653 / √3.
    expect(summary.ci95.latency.mean).toBeCloseTo(4.302653 / Math.sqrt(3), 6);
    // Leaves equal in every run: their own value, with no spread.
    expect(summary.metrics.latency.p50).toBeCloseTo(1, 12);
    expect(summary.ci95.latency.p50).toBe(0);
    expect(summary.metrics.tasks.submitted).toBeCloseTo(10, 12);
  });

  it('clips each leaf\'s interval to the metric\'s range: [0, 1] for shares, [0, ∞) for the rest', () => {
    const runs = [0.2, 0.9, 1].map((quality) => oneRun({ quality, latencyP95: quality * 10 }));
    const summary = summarize(runs);
    const half = summary.ci95.quality.mean!;
    expect(summary.metrics.quality.mean! + half).toBeGreaterThan(1);
    expect(summary.ci95High.quality.mean).toBe(1);
    expect(summary.ci95Low.quality.mean).toBe(0);
    expect(summary.ci95Low.latency.p95).toBe(0);
    expect(summary.ci95High.latency.p95).toBeCloseTo(summary.metrics.latency.p95! + summary.ci95.latency.p95!, 12);
    // A leaf with no spread has a zero-width interval at its mean; one with no data has none.
    expect(summary.ci95Low.latency.p99).toBe(7);
    expect(summary.ci95High.workflows.deadlineSuccess).toBeNull();
  });

  it('a single replication has half-width 0', () => {
    const summary = summarize([run()]);
    expect(summary.metrics.utilization).toBeCloseTo(0.7, 12);
    expect(summary.ci95.utilization).toBe(0);
    expect(summary.ci95.tasks.completed).toBe(0);
  });

  it('averages a leaf over the replications where it is not null', () => {
    const summary = summarize([run({ deadlineSuccess: 0.5 }), run({ deadlineSuccess: null }), run({ deadlineSuccess: 0.7 })]);
    expect(summary.metrics.deadlineSuccess).toBeCloseTo(0.6, 12);
    // n = 2, s = 0.1·√2: t(0.975, 1)·0.1·√2/√2 = 1.2706205.
    expect(summary.ci95.deadlineSuccess).toBeCloseTo(1.2706205, 6);
  });

  it('a leaf null in every replication stays null in the mean and the half-width', () => {
    const summary = summarize([run({ throughput: null }), run({ throughput: null })]);
    expect(summary.metrics.throughput).toBeNull();
    expect(summary.ci95.throughput).toBeNull();
  });

  it('averages the per-agent table by agent id, over the runs that have each agent, and leaves it out of ci95', () => {
    const summary = summarize([
      run({ perAgent: [agent('a', 4, 10), agent('b', 2, 6)] }),
      run({ perAgent: [agent('a', 6, 20)] }),
    ]);
    expect(summary.metrics.perAgent).toEqual([
      { id: 'a', completed: 5, tokens: 500, busySeconds: 15, drainingSeconds: 0 },
      { id: 'b', completed: 2, tokens: 200, busySeconds: 6, drainingSeconds: 0 },
    ]);
    expect('perAgent' in summary.ci95).toBe(false);
  });

  it('keeps the key order of a run, so JSON output lines up with a single run', () => {
    const summary = summarize([run(), run()]);
    expect(Object.keys(summary.metrics)).toEqual(Object.keys(run()));
    expect(leafPaths(summary.ci95)).toEqual(leafPaths(run()));
  });

  it('matches agents by id when fleets differ between runs (an autoscaler joins agents in another order)', () => {
    const summary = summarize([
      run({ perAgent: [agent('a', 4, 10), agent('burst-1', 2, 6), agent('burst-2', 1, 2)] }),
      run({ perAgent: [agent('a', 6, 20), agent('burst-2', 3, 4)] }),
      run({ perAgent: [agent('a', 2, 3), agent('burst-3', 8, 9), agent('burst-1', 4, 8)] }),
    ]);
    expect(summary.metrics.perAgent).toEqual([
      { id: 'a', completed: 4, tokens: 400, busySeconds: 11, drainingSeconds: 0 },
      { id: 'burst-1', completed: 3, tokens: 300, busySeconds: 7, drainingSeconds: 0 },
      { id: 'burst-2', completed: 2, tokens: 200, busySeconds: 3, drainingSeconds: 0 },
      { id: 'burst-3', completed: 8, tokens: 800, busySeconds: 9, drainingSeconds: 0 },
    ]);
  });

  it('averages the same fleet in every run agent by agent, each figure the mean of its runs\' values in run order', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 5 }).chain((agents) => fc.array(
        fc.array(fc.tuple(fc.nat(1000), fc.double({ min: 0, max: 1e6, noNaN: true }), fc.double({ min: 0, max: 1e6, noNaN: true })), { minLength: agents, maxLength: agents }),
        { minLength: 1, maxLength: 4 },
      )),
      (figures) => {
        const runs = figures.map((perRun) => run({
          perAgent: perRun.map(([completed, busySeconds, drainingSeconds], i) => ({ id: `a-${i}`, completed, tokens: completed * 7.5, busySeconds, drainingSeconds })),
        }));
        const expected = runs[0]!.perAgent.map((first, i) => {
          const of = (field: 'completed' | 'tokens' | 'busySeconds' | 'drainingSeconds'): number => mean(runs.map((r) => r.perAgent[i]![field]));
          return { id: first.id, completed: of('completed'), tokens: of('tokens'), busySeconds: of('busySeconds'), drainingSeconds: of('drainingSeconds') };
        });
        expect(summarize(runs).metrics.perAgent).toEqual(expected);
      },
    ), { seed: 1, numRuns: 100 });
  });

  it('refuses no runs and a non-finite leaf', () => {
    expect(() => summarize([])).toThrow(/no runs/);
    expect(() => summarize([run({ utilization: Number.NaN })])).toThrow(/utilization must be a finite number or null/);
  });
});

describe('halfWidth95', () => {
  it('is t(0.975, n − 1)·s/√n, 0 for one value and null for none', () => {
    // [2, 4, 4, 4, 5, 5, 7, 9]: sample variance 32/7; t(0.975, 7) = 2.364624.
    expect(halfWidth95([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo((2.364624 * Math.sqrt(32 / 7)) / Math.sqrt(8), 6);
    expect(halfWidth95([3])).toBe(0);
    expect(halfWidth95([])).toBeNull();
  });
});

describe('metricLeaves', () => {
  it('lists every scalar metric by dotted path in output order, without the per-agent table', () => {
    const leaves = metricLeaves(run());
    expect(leaves.map((leaf) => leaf.path)).toEqual([
      'tasks.submitted', 'tasks.completed', 'tasks.deadLettered', 'tasks.expired', 'tasks.cancelled', 'tasks.rejected',
      'tasks.inFlight', 'latency.mean', 'latency.p50', 'latency.p95', 'latency.p99', 'wait.mean', 'wait.p95',
      'gini.tasks', 'gini.tokens', 'jain.tasks', 'jain.tokens', 'tenantFairness.jain', 'tenantFairness.worstSlowdown', 'deadlineSuccess', 'contextWaste', 'contextHitRate',
      'quality.mean', 'quality.stddev', 'priorityRespect', 'utilization', 'throughput', 'retries', 'retrySuccess', 'maxQueueDepth',
      'delegation.offersMade', 'delegation.offersRejected', 'delegation.reOffersPerTask', 'delegation.broadcastDuplicates',
      'workflows.completed', 'workflows.failed', 'workflows.latency.mean', 'workflows.latency.p50', 'workflows.latency.p95',
      'workflows.latency.p99', 'workflows.deadlineSuccess', 'fleet.scaleUps', 'fleet.scaleDowns', 'fleet.agentSeconds', 'fleet.drainingSeconds',
    ]);
    expect(leaves.find((leaf) => leaf.path === 'latency.p95')?.value).toBe(5);
  });
});
