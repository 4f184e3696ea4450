import { describe, expect, it } from 'vitest';
import { METRIC_TABLE } from '../../src/metrics/directions.js';
import { expectInputError, generatedScenario, normalize } from './helpers.js';

function withRegress(regress: unknown): Record<string, unknown> {
  return { ...generatedScenario(), regress };
}

describe('the regress section', () => {
  it('checks every ranked metric at 5% when absent', () => {
    const { checks } = normalize(generatedScenario()).regress;
    expect(checks.map((c) => c.metric)).toEqual(METRIC_TABLE.map((m) => m.path));
    expect(checks.every((c) => c.relative === 0.05 && c.absolute === 0)).toBe(true);
  });

  it('takes a threshold for all, tolerances per metric (bare: relative) and metrics to ignore', () => {
    const { checks } = normalize(withRegress({
      relativeThreshold: 0.1,
      tolerances: { 'latency.p95': 0.2, 'tasks.rejected': { absolute: 5 }, 'gini.tasks': { relative: 0.3, absolute: 0.01 } },
      ignore: ['wait.p95'],
    })).regress;
    const byMetric = new Map(checks.map((c) => [c.metric, c]));
    expect(byMetric.get('latency.p95')).toEqual({ metric: 'latency.p95', relative: 0.2, absolute: 0 });
    expect(byMetric.get('tasks.rejected')).toEqual({ metric: 'tasks.rejected', relative: 0.1, absolute: 5 });
    expect(byMetric.get('gini.tasks')).toEqual({ metric: 'gini.tasks', relative: 0.3, absolute: 0.01 });
    expect(byMetric.get('quality.mean')).toEqual({ metric: 'quality.mean', relative: 0.1, absolute: 0 });
    expect(byMetric.has('wait.p95')).toBe(false);
  });

  it('rejects unknown metrics, negative tolerances, unknown fields and a metric both ignored and tolerated', () => {
    expectInputError(() => normalize(withRegress({ tolerances: { 'latncy.p95': 0.1 } })), 'regress.tolerances["latncy.p95"]',
      /^unknown metric "latncy\.p95" \(did you mean "latency\.p95"\?\); metrics with a direction: gini\.tasks, /);
    expectInputError(() => normalize(withRegress({ ignore: ['utilization'] })), 'regress.ignore[0]', /^unknown metric "utilization"/);
    expectInputError(() => normalize(withRegress({ tolerances: { 'latency.p95': -0.1 } })), 'regress.tolerances["latency.p95"]', 'expected a number >= 0, got -0.1');
    expectInputError(() => normalize(withRegress({ tolerances: { 'latency.p95': { relativ: 1 } } })), 'regress.tolerances["latency.p95"].relativ', /^unknown field "relativ" \(did you mean "relative"\?\)/);
    expectInputError(() => normalize(withRegress({ threshold: 0.1 })), 'regress.threshold', /^unknown field "threshold"/);
    expectInputError(() => normalize(withRegress({ tolerances: { 'latency.p95': 0.1 }, ignore: ['latency.p95'] })), 'regress.tolerances["latency.p95"]', 'is also in regress.ignore: keep one of the two');
  });

  it('checks a class\'s ranked metric when tolerances name it, after the pooled ones', () => {
    const { checks } = normalize(withRegress({ tolerances: { 'byPriority.2.deadlineSuccess': { absolute: 0.02 }, 'byType.code.latency.p95': 0.1 } })).regress;
    expect(checks.slice(-2)).toEqual([
      { metric: 'byPriority.2.deadlineSuccess', relative: 0.05, absolute: 0.02 },
      { metric: 'byType.code.latency.p95', relative: 0.1, absolute: 0 },
    ]);
    expect(checks).toHaveLength(METRIC_TABLE.length + 2);
  });

  it('rejects a class no task can be in, and a class metric without a direction', () => {
    expectInputError(() => normalize(withRegress({ tolerances: { 'byPriority.0.deadlineSuccess': 0.1 } })),
      'regress.tolerances["byPriority.0.deadlineSuccess"]', 'no task of the workload can have priority "0"; priority classes: 2');
    expectInputError(() => normalize(withRegress({ tolerances: { 'byType.code.tasks.submitted': 0.1 } })),
      'regress.tolerances["byType.code.tasks.submitted"]', /^"byType\.code\.tasks\.submitted" names no class metric/);
    expectInputError(() => normalize(withRegress({ ignore: ['byType.code.latency.p95'] })), 'regress.ignore[0]', /^unknown metric "byType\.code\.latency\.p95"/);
  });
});
