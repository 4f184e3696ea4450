/**
 * The trace-replay scenarios of the library (scenarios/azure-conversation*.yaml,
 * scenarios/mooncake-prefix-reuse.yaml) show what their opening comments claim, on paired
 * differences with 95% intervals (replication r of every strategy replays the same rows).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { halfWidth95 } from '../../src/metrics/summary.js';
import type { RunMetrics } from '../../src/metrics/types.js';
import { runExperiment, type ExperimentResult } from '../../src/experiments/runResult.js';
import { loadScenario } from '../../src/scenario/load.js';
import { pairedGain, runsOf } from '../support/paired.js';

async function runLibrary(name: string): Promise<ExperimentResult> {
  return runExperiment(loadScenario(join('scenarios', name)), { workers: 1 });
}

/** Asserts that `a` has a higher `metric` than `b`: the whole 95% interval of a − b is above 0. */
function expectHigher(result: ExperimentResult, metric: (run: RunMetrics) => number | null, a: string, b: string): void {
  const difference = pairedGain(result, a, b, metric);
  expect(difference.diffs.length).toBeGreaterThanOrEqual(3);
  expect(difference.mean - difference.halfWidth, `${a} − ${b}: ${difference.mean} ± ${difference.halfWidth}`).toBeGreaterThan(0);
}

const hitRate = (run: RunMetrics): number | null => run.contextHitRate;
const latencyMean = (run: RunMetrics): number | null => run.latency.mean;

describe('trace-replay scenarios of the library', () => {
  it('mooncake-prefix-reuse: cache-aware routing hits significantly more prefix blocks than round-robin and consistent-hash', async () => {
    const result = await runLibrary('mooncake-prefix-reuse.yaml');
    expectHigher(result, hitRate, 'cache-aware', 'round-robin');
    expectHigher(result, hitRate, 'cache-aware#2', 'round-robin');
    expectHigher(result, hitRate, 'cache-aware#2', 'consistent-hash');
    expectHigher(result, hitRate, 'consistent-hash', 'round-robin');
    // Fewer blocks to load: lower latency too.
    expectHigher(result, latencyMean, 'round-robin', 'cache-aware#2');
  }, 120_000);

  it('azure-conversation: work-aware routing uses the fast agents (lower latency than round-robin)', async () => {
    const result = await runLibrary('azure-conversation.yaml');
    expectHigher(result, latencyMean, 'round-robin', 'least-work-left');
    expectHigher(result, latencyMean, 'round-robin', 'least-connections');
  }, 120_000);

  it('azure-conversation-2x: at twice the rate, requests queue under every strategy', async () => {
    const result = await runLibrary('azure-conversation-2x.yaml');
    expect(result.results.map((entry) => entry.strategy)).toEqual(['round-robin', 'weighted-round-robin', 'least-connections', 'least-work-left', 'power-of-d']);
    for (const entry of result.results) {
      const waits = runsOf(result, entry.strategy).map((run) => run.wait.mean!);
      const mean = waits.reduce((a, b) => a + b, 0) / waits.length;
      expect(mean - halfWidth95(waits)!, entry.strategy).toBeGreaterThan(1);
    }
  }, 120_000);
});
