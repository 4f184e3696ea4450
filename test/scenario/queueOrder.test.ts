/**
 * `engine.queue.order` and `engine.queue.tenantWeights`: the scenario may set the order of every
 * queue for every strategy (the strategy's own order otherwise), and weigh tenants under the
 * fair order; bad values are input errors at their field.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RunMetrics } from '../../src/metrics/types.js';
import { parseScenario } from '../../src/scenario/load.js';
import { runSimulation } from '../../src/sim/simulation.js';
import { ROOT } from '../cli/runCli.js';
import { expectInputError, generatedScenario, normalize, withField } from './helpers.js';

const BURST = readFileSync(`${ROOT}/scenarios/tenant-burst.yaml`, 'utf8');
const REPLICATIONS = 2;

/** The tenant-burst scenario with `queue` as its engine's queue section, every strategy's runs. */
function burstRuns(queue: string): Map<string, RunMetrics[]> {
  const yaml = BURST.replace('engine: { binding: late }', `engine: { binding: late, queue: ${queue} }`);
  expect(yaml).not.toBe(BURST);
  const scenario = parseScenario(yaml, 'tenant-burst.yaml');
  return new Map(scenario.strategies.map((strategy) => [
    strategy.label,
    Array.from({ length: REPLICATIONS }, (_, replication) => runSimulation({ scenario, strategy, replication }).metrics),
  ]));
}

describe('engine.queue.order', () => {
  it('is the strategy\'s own when unset, and the named order when set', () => {
    expect(normalize(generatedScenario()).engine.queue.order).toBeUndefined();
    expect(normalize(withField(generatedScenario(), 'engine.queue.order', 'fair')).engine.queue.order).toBe('fair');
  });

  it('runs any strategy with fair queueing: least-loaded-tokens under order fair is fair-share, run for run', () => {
    const runs = burstRuns('{ order: fair }');
    expect(runs.get('least-loaded-tokens')).toEqual(runs.get('fair-share'));
  });

  it('overrides the strategy\'s own order: fair-share under order fifo is least-loaded-tokens, run for run', () => {
    const fifo = burstRuns('{ order: fifo }');
    expect(fifo.get('fair-share')).toEqual(fifo.get('least-loaded-tokens'));
    // And the fair order is not a no-op on this scenario: its steady tenants' latencies differ.
    const fair = burstRuns('{ order: fair }');
    expect(fair.get('fair-share')![0]!.byTenant.alpha!.latency.p95).not.toBe(fifo.get('fair-share')![0]!.byTenant.alpha!.latency.p95);
  });

  it('refuses an unknown order at its field, listing the orders', () => {
    expectInputError(() => normalize(withField(generatedScenario(), 'engine.queue.order', 'fare')), 'engine.queue.order', /fifo.*deadline.*fair/);
  });
});

describe('engine.queue.tenantWeights', () => {
  it('reach the engine config under the fair order', () => {
    const raw = withField(withField(generatedScenario(), 'engine.queue.order', 'fair'), 'engine.queue.tenantWeights', { alpha: 2 });
    expect(normalize(raw).engine.queue.tenantWeights).toEqual({ alpha: 2 });
  });

  it('give a heavier tenant more of the service in a burst', () => {
    const even = burstRuns('{ order: fair }').get('least-loaded-tokens')!;
    const weighted = burstRuns('{ order: fair, tenantWeights: { batch: 4 } }').get('least-loaded-tokens')!;
    for (let r = 0; r < REPLICATIONS; r++) {
      expect(weighted[r]!.byTenant.batch!.latency.mean!).toBeLessThan(even[r]!.byTenant.batch!.latency.mean!);
    }
  });

  it('are refused without the fair order, where they would do nothing', () => {
    expectInputError(() => normalize(withField(generatedScenario(), 'engine.queue.tenantWeights', { alpha: 2 })), 'engine.queue.tenantWeights', 'set engine.queue.order: fair (it is not set)');
    const fifo = withField(withField(generatedScenario(), 'engine.queue.order', 'fifo'), 'engine.queue.tenantWeights', { alpha: 2 });
    expectInputError(() => normalize(fifo), 'engine.queue.tenantWeights', '(it is "fifo")');
  });

  it('refuse a weight that is not > 0 at its tenant', () => {
    const raw = withField(withField(generatedScenario(), 'engine.queue.order', 'fair'), 'engine.queue.tenantWeights', { alpha: 0 });
    expectInputError(() => normalize(raw), 'engine.queue.tenantWeights.alpha', /greater than 0|> ?0|positive/i);
  });
});
