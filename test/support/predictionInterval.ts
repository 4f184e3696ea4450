/**
 * How a live run on a real clock is held to the simulation: one live replication's metric must
 * fall within the simulation's 95% prediction interval for one new replication, mean ± t(0.975,
 * n−1) · s · √(1 + 1/n) over n simulated replications of the same scenario.
 */
import { mean, sampleStandardDeviation } from 'simple-statistics';
import { expect } from 'vitest';
import { studentT975 } from '../../src/metrics/studentT.js';
import type { RunMetrics } from '../../src/metrics/types.js';
import type { Scenario } from '../../src/scenario/types.js';
import { runSimulation } from '../../src/sim/simulation.js';

/** A metric read from a run's metrics document. */
export type MetricReader = (metrics: RunMetrics) => number | null;

/** The time metrics real-clock runs are compared on. */
export const TIME_METRICS: Readonly<Record<string, MetricReader>> = {
  'mean latency': (m) => m.latency.mean,
  'p95 latency': (m) => m.latency.p95,
  'mean wait': (m) => m.wait.mean,
};

/** A workflow's end-to-end figures: its latency (times) and the share of workflows done by their deadline. */
export const WORKFLOW_METRICS: Readonly<Record<string, MetricReader>> = {
  'workflow mean latency': (m) => m.workflows.latency.mean,
  'workflow p95 latency': (m) => m.workflows.latency.p95,
  'workflow deadline success': (m) => m.workflows.deadlineSuccess,
};

/** Metrics that are shares, not times: a time scale does not apply to them. */
const SHARES: ReadonlySet<string> = new Set(['utilization', 'workflow deadline success']);

/** The time metrics and utilisation. */
export const TIME_AND_UTILIZATION_METRICS: Readonly<Record<string, MetricReader>> = {
  ...TIME_METRICS,
  utilization: (m) => m.utilization,
};

/** The metrics of simulated replications 0 … `replications` − 1 of `scenario` under its first strategy. */
export function simulatedMetrics(scenario: Scenario, replications: number): RunMetrics[] {
  const strategy = scenario.strategies[0]!;
  return Array.from({ length: replications }, (_, replication) => runSimulation({ scenario, strategy, replication }).metrics);
}

/**
 * Expects every metric of `live` (times, not shares, multiplied by `timeScale`, e.g. a speedup K) within the
 * 95% prediction interval the `simulated` replications give for one replication.
 */
export function expectWithinPredictionInterval(simulated: readonly RunMetrics[], live: RunMetrics, metrics: Readonly<Record<string, MetricReader>>, timeScale = 1): void {
  const n = simulated.length;
  for (const [name, read] of Object.entries(metrics)) {
    const values = simulated.map((m) => read(m)!);
    const halfWidth = studentT975(n - 1) * sampleStandardDeviation(values) * Math.sqrt(1 + 1 / n);
    const value = read(live)! * (SHARES.has(name) ? 1 : timeScale);
    expect({ name, value, within: Math.abs(value - mean(values)) <= halfWidth }).toEqual({ name, value, within: true });
  }
}
