import { describe, expect, it } from 'vitest';
import { classKey, DEFAULT_TENANT, EMPTY_CLASS, sortClassKeys, type ClassMetrics } from '../../src/metrics/classes.js';
import { classKeysOf, classLeaves, summarize } from '../../src/metrics/summary.js';
import type { RunMetrics } from '../../src/metrics/types.js';
import { oneRun } from '../experiments/runs.js';
import { expectQuantile } from '../support/sketchAccuracy.js';
import { EventScript } from './script.js';

describe('class keys', () => {
  it('class a task by its type, its submitted priority and its tenant, "default" without one', () => {
    const spec = { type: 'code', priority: 0 };
    expect(classKey('type', spec)).toBe('code');
    expect(classKey('priority', spec)).toBe('0');
    expect(classKey('tenant', spec)).toBe(DEFAULT_TENANT);
    expect(classKey('tenant', { ...spec, tenant: 'team-a' })).toBe('team-a');
  });

  it('sort priorities numerically and names by code unit', () => {
    expect(sortClassKeys(['10', '2', '0'])).toEqual(['0', '2', '10']);
    expect(sortClassKeys(['review', 'code', 'Code'])).toEqual(['Code', 'code', 'review']);
  });

  it('sort numbers before names, the same whatever order the keys come in', () => {
    const keys = ['1a', '2', '10', 'b', '01', ''];
    const permutations = (items: string[]): string[][] => items.length <= 1 ? [items] : items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
    const sorted = permutations(keys).map(sortClassKeys);
    for (const order of sorted) expect(order).toEqual(sorted[0]);
    const isNumber = (key: string): boolean => key !== '' && Number.isInteger(Number(key));
    const numbers = sorted[0]!.filter(isNumber);
    expect(sorted[0]!.slice(0, numbers.length)).toEqual(numbers);
    for (let i = 1; i < numbers.length; i++) expect(Number(numbers[i - 1])).toBeLessThanOrEqual(Number(numbers[i]));
    const names = sorted[0]!.slice(numbers.length);
    for (let i = 1; i < names.length; i++) expect(names[i - 1]! < names[i]!).toBe(true);
  });
});

describe('the collector by class', () => {
  it('splits latency, wait, deadlines, context waste, quality and the ledger by type and priority', () => {
    const s = new EventScript();
    const a = s.join(0, 'a', 4);
    const code = s.submit(0, { type: 'code', priority: 0, deadline: 5 });
    const review = s.submit(0, { type: 'review', priority: 3, deadline: 2 });
    const lost = s.submit(1, { type: 'review', priority: 3 });
    s.dispatch(1, code, a, { setupTokens: 100 });
    s.dispatch(2, review, a);
    s.complete(4, code, 0.9);
    s.complete(6, review, 0.5);
    s.cancel(7, lost);
    s.submit(7, { type: 'code', priority: 0 });
    const m = s.collect(8);
    expect(Object.keys(m.byType)).toEqual(['code', 'review']);
    expect(Object.keys(m.byPriority)).toEqual(['0', '3']);
    expect(Object.keys(m.byTenant)).toEqual([DEFAULT_TENANT]);
    const codes = m.byType.code!;
    expect(codes.tasks).toEqual({ submitted: 2, completed: 1, deadLettered: 0, expired: 0, cancelled: 0, rejected: 0, inFlight: 1 });
    expect(codes.latency.mean).toBe(4);
    expectQuantile(codes.latency.p95, 4);
    expect(codes.wait).toEqual({ mean: 1, p95: 1 });
    expect(codes.deadlineSuccess).toBe(1);
    expect(codes.contextWaste).toBeCloseTo(100 / 200, 12);
    expect(codes.quality).toEqual({ mean: 0.9, stddev: 0 });
    // Two of the four tasks' tokens asked, one of the two completed ones' tokens served.
    expect(codes.share).toEqual({ demand: 0.5, service: 0.5, ratio: 1 });
    const reviews = m.byType.review!;
    expect(reviews.tasks).toEqual({ submitted: 2, completed: 1, deadLettered: 0, expired: 0, cancelled: 1, rejected: 0, inFlight: 0 });
    expect(reviews.latency.mean).toBe(6);
    expect(reviews.deadlineSuccess).toBe(0);
    expect(reviews.contextWaste).toBe(0);
    // Priorities 0 and 3 hold exactly the code and the review tasks here.
    expect(m.byPriority['0']).toEqual(codes);
    expect(m.byPriority['3']).toEqual(reviews);
    // One tenant: its class is the pooled figures.
    const pooled: ClassMetrics = {
      tasks: m.tasks, latency: m.latency, wait: m.wait, deadlineSuccess: m.deadlineSuccess, contextWaste: m.contextWaste, quality: m.quality,
      share: { demand: 1, service: 1, ratio: 1 },
    };
    expect(m.byTenant[DEFAULT_TENANT]).toEqual(pooled);
  });

  it('puts a prewarm load in the pooled context waste only (it belongs to no task) and leaves warm-up tasks out of every class', () => {
    const s = new EventScript();
    const a = s.join(0, 'a');
    s.submit(0, { type: 'warm' });
    const t = s.submit(1, { type: 'code' });
    s.prewarm(1, a, 'k', 100);
    s.dispatch(1, t, a);
    const m = s.collect(2, { warmupTimeSeconds: 0, warmupTasks: 1 });
    expect(Object.keys(m.byType)).toEqual(['code']);
    expect(m.contextWaste).toBeCloseTo(0.5, 12);
    expect(m.byType.code!.contextWaste).toBe(0);
  });

  it('gives the first class of a dimension its own figures when a second class appears late, the prewarm loads before it left out', () => {
    const s = new EventScript();
    const a = s.join(0, 'a');
    const first = s.submit(0, { type: 'code', tokens: 100 });
    s.prewarm(0, a, 'k', 300);
    s.dispatch(0, first, a, { setupTokens: 100 });
    s.complete(2, first);
    const late = s.submit(3, { type: 'review', tokens: 100 });
    s.dispatch(4, late, a);
    s.complete(8, late);
    const m = s.collect(8);
    expect(m.contextWaste).toBeCloseTo(400 / 600, 12);
    expect(m.byType.code!.contextWaste).toBeCloseTo(0.5, 12);
    expect(m.byType.code!.latency.mean).toBe(2);
    expect(m.byType.code!.tasks.submitted).toBe(1);
    expect(m.byType.review!.latency.mean).toBe(5);
    expect(m.byType.review!.wait.mean).toBe(1);
    expect(m.byType.review!.contextWaste).toBe(0);
    expect(Object.keys(m.byPriority)).toEqual(['2']);
    expect(m.byPriority['2']!.latency.mean).toBe(3.5);
  });
});

/** A run whose only class of each dimension has the given latency mean and task count. */
function classedRun(latencyMean: number, type = 'code'): RunMetrics {
  const cls: ClassMetrics = { ...EMPTY_CLASS, tasks: { ...EMPTY_CLASS.tasks, submitted: 2, completed: 2 }, latency: { mean: latencyMean, p50: 1, p95: 1, p99: 1 } };
  return { ...oneRun(), byType: { [type]: cls }, byPriority: { 1: cls }, byTenant: { [DEFAULT_TENANT]: cls } };
}

describe('summaries by class', () => {
  it('give each class leaf its mean and 95% half-width, as for the pooled leaves', () => {
    const summary = summarize([1, 2, 3].map((mean) => classedRun(mean)));
    expect(summary.metrics.byPriority['1']!.latency.mean).toBeCloseTo(2, 12);
    expect(summary.ci95.byPriority['1']!.latency.mean).toBeCloseTo(4.302653 / Math.sqrt(3), 6);
    // Clipped to the metric's range as the pooled intervals are: a latency is never below 0.
    expect(summary.ci95Low.byType.code!.latency.mean).toBe(0);
    expect(summary.ci95High.byType.code!.latency.mean).toBeCloseTo(2 + 4.302653 / Math.sqrt(3), 6);
    expect(summary.ci95.byType.code!.tasks.submitted).toBe(0);
    // The pooled figures do not see the classes.
    expect(summary.metrics.latency.mean).toBeCloseTo(2, 12);
  });

  it('count a class a run lacks as no tasks and no data in that run', () => {
    const runs = [classedRun(2, 'code'), classedRun(4, 'review')];
    const keys = classKeysOf(runs);
    expect(keys.byType).toEqual(['code', 'review']);
    const summary = summarize(runs, keys);
    expect(summary.metrics.byType.code!.tasks.submitted).toBe(1);
    expect(summary.metrics.byType.code!.latency.mean).toBe(2);
    expect(summary.ci95.byType.code!.latency.mean).toBe(0);
    // Leaves line up across runs whatever classes each had.
    const paths = runs.map((run) => classLeaves(run, keys).map((leaf) => leaf.path));
    expect(paths[0]).toEqual(paths[1]);
    expect(paths[0]).toContain('byType.review.latency.p95');
    expect(classLeaves(runs[0]!, keys).find((leaf) => leaf.path === 'byType.review.latency.mean')!.value).toBeNull();
  });

  it('read runs of documents written before classes were measured as having no classes', () => {
    const { byType: _type, byPriority: _priority, byTenant: _tenant, ...old } = classedRun(2);
    const runs = [old as RunMetrics, classedRun(4)];
    expect(classKeysOf(runs).byType).toEqual(['code']);
    expect(summarize(runs).metrics.byType.code!.latency.mean).toBe(4);
    expect(summarize([old as RunMetrics]).metrics.byPriority).toEqual({});
  });
});
