import { describe, expect, it } from 'vitest';
import { metricLeaves } from '../../src/metrics/summary.js';
import { TARGET_METRICS, targetMetricValue } from '../../src/metrics/targetMetrics.js';
import { oneRun } from '../experiments/runs.js';

describe('the metrics a target may name', () => {
  it('are every number of the JSON metrics, in their order, then completion', () => {
    const run = oneRun();
    expect(TARGET_METRICS).toEqual([...metricLeaves(run).map((leaf) => leaf.path), 'completion']);
    expect(TARGET_METRICS).toContain('utilization');
    expect(TARGET_METRICS).not.toContain('perAgent');
  });

  it('read a leaf by its path, and completion as completed over submitted (null when nothing was submitted)', () => {
    const run = oneRun();
    expect(targetMetricValue(run, 'latency.p95')).toBe(run.latency.p95);
    expect(targetMetricValue(run, 'completion')).toBe(run.tasks.completed / run.tasks.submitted);
    expect(targetMetricValue({ ...run, tasks: { ...run.tasks, submitted: 0, completed: 0 } }, 'completion')).toBeNull();
  });
});
