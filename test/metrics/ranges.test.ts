import { describe, expect, it } from 'vitest';
import { NON_NEGATIVE_RANGE, UNIT_RANGE, clippedInterval, metricRange } from '../../src/metrics/ranges.js';
import { metricLeaves } from '../../src/metrics/summary.js';
import { oneRun } from '../experiments/runs.js';

describe('metric ranges', () => {
  it('bounds shares, indexes, quality and utilization by [0, 1], and everything else by [0, ∞)', () => {
    for (const path of ['gini.tasks', 'jain.tokens', 'tenantFairness.jain', 'deadlineSuccess', 'contextWaste', 'contextHitRate', 'quality.mean', 'utilization', 'retrySuccess', 'workflows.deadlineSuccess', 'byTenant.a.share.demand', 'byType.code.share.service']) {
      expect(metricRange(path), path).toBe(UNIT_RANGE);
    }
    // A class's service ÷ demand exceeds 1 when it got more than its share.
    for (const path of ['latency.p95', 'wait.mean', 'throughput', 'retries', 'tasks.completed', 'fleet.agentSeconds', 'maxQueueDepth', 'byTenant.a.share.ratio']) {
      expect(metricRange(path), path).toBe(NON_NEGATIVE_RANGE);
    }
  });

  it('holds every value of a run: no metric is negative, and the [0, 1] ones are at most 1', () => {
    const checked: string[] = [];
    for (const leaf of metricLeaves(oneRun())) {
      if (leaf.value === null) continue;
      checked.push(leaf.path);
      const range = metricRange(leaf.path);
      expect(leaf.value, leaf.path).toBeGreaterThanOrEqual(range.min);
      expect(leaf.value, leaf.path).toBeLessThanOrEqual(range.max);
    }
    // The run has values of both ranges, so neither check above held for want of a value.
    expect(checked).toEqual(expect.arrayContaining(['gini.tasks', 'utilization', 'contextHitRate', 'quality.mean', 'latency.p95', 'throughput', 'tasks.completed', 'fleet.agentSeconds']));
  });

  it('clips an interval to the range and leaves one inside it alone', () => {
    expect(clippedInterval(0.996, 0.019, UNIT_RANGE)).toEqual({ low: 0.996 - 0.019, high: 1 });
    expect(clippedInterval(0.887, 1.126, UNIT_RANGE)).toEqual({ low: 0, high: 1 });
    expect(clippedInterval(5, 7, NON_NEGATIVE_RANGE)).toEqual({ low: 0, high: 12 });
    expect(clippedInterval(0.5, 0.1, UNIT_RANGE)).toEqual({ low: 0.4, high: 0.6 });
  });
});
