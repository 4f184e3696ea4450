import { describe, expect, it } from 'vitest';
import { CLASS_METRIC_LEAVES, EMPTY_CLASS, parseClassPath } from '../../src/metrics/classes.js';
import { metricRange, UNIT_RANGE } from '../../src/metrics/ranges.js';
import { leafPaths, metricLeaves } from '../../src/metrics/summary.js';
import { CLASS_TARGET_METRICS, TARGET_METRICS, targetMetricValue } from '../../src/metrics/targetMetrics.js';
import type { ScalarMetrics } from '../../src/metrics/types.js';
import { oneRun, withClasses } from '../experiments/runs.js';

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

  it('of one class are its leaves, in the order of its JSON, then completion', () => {
    expect(CLASS_METRIC_LEAVES).toEqual(leafPaths(EMPTY_CLASS as unknown as ScalarMetrics));
    expect(CLASS_TARGET_METRICS.at(-1)).toBe('completion');
  });

  it('read a class\'s leaf by its path; a class the run lacks has no tasks and no data', () => {
    const run = withClasses(oneRun(), { 0: 3, 2: 5 });
    expect(targetMetricValue(run, 'byPriority.2.latency.mean')).toBe(5);
    expect(targetMetricValue(run, 'byType.t0.completion')).toBe(1);
    expect(targetMetricValue(run, 'byTenant.default.tasks.submitted')).toBe(8);
    expect(targetMetricValue(run, 'byPriority.4.tasks.submitted')).toBe(0);
    expect(targetMetricValue(run, 'byPriority.4.completion')).toBeNull();
    expect(() => targetMetricValue(run, 'byPriority.0.utilization')).toThrow('no metric at byPriority.0.utilization');
  });
});

describe('class paths', () => {
  it('split into table, class and leaf; a class name may hold dots', () => {
    expect(parseClassPath('byPriority.0.deadlineSuccess')).toEqual({ key: 'byPriority', name: '0', leaf: 'deadlineSuccess' });
    expect(parseClassPath('byType.code.review.latency.p95')).toEqual({ key: 'byType', name: 'code.review', leaf: 'latency.p95' });
    expect(parseClassPath('latency.p95')).toBeUndefined();
    expect(parseClassPath('byType.code')).toBeNull();
    expect(parseClassPath('byType')).toBeNull();
  });

  it('take the range of their pooled namesake', () => {
    expect(metricRange('byPriority.0.deadlineSuccess')).toBe(UNIT_RANGE);
    expect(metricRange('byType.code.quality.mean')).toBe(UNIT_RANGE);
    expect(metricRange('byType.code.latency.p95').max).toBe(Infinity);
  });
});
