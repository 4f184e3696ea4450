/**
 * The tenant-burst library scenario: one tenant submits bursts of 16 tasks; under FIFO
 * (least-loaded-tokens) the steady tenants wait behind each burst, under the fair order
 * (fair-share: the same routing, queues by virtual token counters) they do not. Compared
 * replication by replication (common random numbers), with 95% paired intervals.
 */
import { describe, expect, it } from 'vitest';
import { pairedDifference } from '../../src/experiments/paired.js';
import type { RunMetrics } from '../../src/metrics/types.js';
import { loadScenario } from '../../src/scenario/load.js';
import { runSimulation } from '../../src/sim/simulation.js';
import { ROOT } from '../cli/runCli.js';

const REPLICATIONS = 10;
const STEADY = ['alpha', 'beta', 'gamma'];

function runs(label: string): RunMetrics[] {
  const scenario = loadScenario(`${ROOT}/scenarios/tenant-burst.yaml`);
  const strategy = scenario.strategies.find((s) => s.label === label)!;
  return Array.from({ length: REPLICATIONS }, (_, replication) => runSimulation({ scenario, strategy, replication }).metrics);
}

describe('tenant-burst: fair queueing protects the steady tenants from the burst', () => {
  const fifo = runs('least-loaded-tokens');
  const fair = runs('fair-share');
  const p95 = (metrics: RunMetrics[], tenant: string): number[] => metrics.map((m) => m.byTenant[tenant]!.latency.p95!);

  it.each(STEADY)('%s: fair cuts the p95 latency significantly, by more than half', (tenant) => {
    const cut = pairedDifference(p95(fifo, tenant), p95(fair, tenant));
    expect(cut.significant).toBe(true);
    expect(cut.mean! - cut.halfWidth!).toBeGreaterThan(0.5 * (p95(fifo, tenant).reduce((a, b) => a + b) / REPLICATIONS));
  });

  it('the bursting tenant pays: its p95 rises significantly, by less than the steady tenants gain', () => {
    const cost = pairedDifference(p95(fair, 'batch'), p95(fifo, 'batch'));
    expect(cost.significant).toBe(true);
    expect(cost.mean!).toBeGreaterThan(0);
    const gain = pairedDifference(p95(fifo, 'alpha'), p95(fair, 'alpha'));
    expect(cost.mean!).toBeLessThan(gain.mean!);
  });

  it('both orders face the same submissions of every tenant (common random numbers)', () => {
    for (let r = 0; r < REPLICATIONS; r++) {
      expect(fair[r]!.tasks.submitted).toBe(fifo[r]!.tasks.submitted);
      for (const tenant of [...STEADY, 'batch']) expect(fair[r]!.byTenant[tenant]!.tasks.submitted).toBe(fifo[r]!.byTenant[tenant]!.tasks.submitted);
    }
  });
});
