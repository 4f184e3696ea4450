/**
 * Small hand-built experiment documents for the tests of the CSV, Markdown and text renderers:
 * exact figures, no simulation.
 */
import { summarizeCell } from '../../src/experiments/cell.js';
import { buildDocument } from '../../src/experiments/document.js';
import type { ExperimentDocument } from '../../src/experiments/types.js';
import { oneRun } from '../experiments/runs.js';

const STRATEGIES = [
  { name: 'round-robin', label: 'round-robin', params: {} },
  { name: 'power-of-d', label: 'power-of-d', params: { d: 2 } },
];

/**
 * A compare of strategies `a`, `b`, … whose replications have the latency p95s given (one list
 * per strategy, all of one length), baseline `a`.
 */
export function smallCompare(latencies: readonly (readonly number[])[]): ExperimentDocument {
  const strategies = latencies.map((_, i) => ({ name: 'random', label: String.fromCharCode(97 + i), params: {} }));
  const cell = summarizeCell({
    index: 0, params: {}, strategies, runs: latencies.map((series) => series.map((latencyP95) => oneRun({ latencyP95 }))),
  }, 'a');
  return buildDocument({
    kind: 'compare', scenario: 'tiny', seed: 1, replications: latencies[0]!.length, baseline: 'a', grid: [], cells: [cell],
    timing: { parts: [{ shard: null, wallSeconds: 1, workers: 1 }], strategies: [] },
  });
}

/** A sweep of two cells (`agents[0].count` 2 and 3), two strategies, two replications. */
export function smallSweep(): ExperimentDocument {
  const cells = [2, 3].map((count, index) => summarizeCell({
    index,
    params: { 'agents[0].count': count },
    strategies: STRATEGIES,
    runs: [
      [oneRun({ latencyP95: 10 + index }), oneRun({ latencyP95: 12 + index })],
      [oneRun({ latencyP95: 6 + index, quality: null }), oneRun({ latencyP95: 7 + index, quality: null })],
    ],
  }, 'round-robin'));
  return buildDocument({
    kind: 'sweep', scenario: 'tiny', seed: 1, replications: 2, baseline: 'round-robin',
    grid: [{ path: 'agents[0].count', values: [2, 3] }], cells,
    timing: { parts: [{ shard: null, wallSeconds: 1, workers: 1 }], strategies: [] },
  });
}
