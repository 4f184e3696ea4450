import { describe, expect, it } from 'vitest';
import { expectInputError, generatedScenario, normalize } from './helpers.js';

function withTargets(targets: unknown, strategies: unknown[] = ['round-robin', 'least-connections']): Record<string, unknown> {
  return { ...generatedScenario(), strategies, targets };
}

describe('the targets section', () => {
  it('is null when absent', () => {
    expect(normalize(generatedScenario()).targets).toBeNull();
  });

  it('keeps the strategies held and each check, an unset bound as null', () => {
    const { targets } = normalize(withTargets({
      strategies: ['least-connections'],
      checks: [{ metric: 'gini.tasks', max: 0.3 }, { metric: 'deadlineSuccess', min: 0.95 }, { metric: 'utilization', min: 0.5, max: 0.9 }, { metric: 'completion', min: 0.99 }],
    }));
    expect(targets).toEqual({
      strategies: ['least-connections'],
      checks: [
        { metric: 'gini.tasks', min: null, max: 0.3 },
        { metric: 'deadlineSuccess', min: 0.95, max: null },
        { metric: 'utilization', min: 0.5, max: 0.9 },
        { metric: 'completion', min: 0.99, max: null },
      ],
    });
  });

  it('names a strategy by its label, so a strategy listed twice can be held as name#2', () => {
    const { targets } = normalize(withTargets({ strategies: ['round-robin#2'], checks: [{ metric: 'throughput', min: 0 }] }, ['round-robin', 'round-robin']));
    expect(targets?.strategies).toEqual(['round-robin#2']);
  });

  it('rejects an unknown metric with a guess and the list of metrics', () => {
    expectInputError(() => normalize(withTargets({ strategies: ['round-robin'], checks: [{ metric: 'gini.task', max: 0.3 }] })),
      'targets.checks[0].metric', /^unknown metric "gini\.task" \(did you mean "gini\.tasks"\?\); metrics: tasks\.submitted, .*, completion, or byType\|byPriority\|byTenant\.<class>\.<metric>$/);
    expectInputError(() => normalize(withTargets({ strategies: ['round-robin'], checks: [{ metric: 'perAgent', max: 1 }] })),
      'targets.checks[0].metric', /^unknown metric "perAgent"/);
  });

  it('rejects min above max, a check without a bound, and a bound that is not a number', () => {
    expectInputError(() => normalize(withTargets({ strategies: ['round-robin'], checks: [{ metric: 'latency.p95', max: 10 }, { metric: 'utilization', min: 0.9, max: 0.8 }] })),
      'targets.checks[1].min', 'expected at most max (0.8), got 0.9: no value could meet the target');
    expectInputError(() => normalize(withTargets({ strategies: ['round-robin'], checks: [{ metric: 'utilization' }] })),
      'targets.checks[0]', 'expected min, max or both: a target needs a bound');
    expectInputError(() => normalize(withTargets({ strategies: ['round-robin'], checks: [{ metric: 'utilization', min: '80%' }] })),
      'targets.checks[0].min', 'expected a number, got "80%"');
  });

  it('rejects a strategy the scenario does not list, unknown fields and empty lists', () => {
    expectInputError(() => normalize(withTargets({ strategies: ['least-conections'], checks: [{ metric: 'utilization', min: 0.8 }] })),
      'targets.strategies[0]', '"least-conections" is not among the scenario\'s strategies (did you mean "least-connections"?); strategies: round-robin, least-connections');
    expectInputError(() => normalize(withTargets({ strategies: ['round-robin'], checks: [{ metric: 'utilization', minimum: 0.8 }] })),
      'targets.checks[0].minimum', /^unknown field "minimum"/);
    expectInputError(() => normalize(withTargets({ strategies: [], checks: [{ metric: 'utilization', min: 0.8 }] })), 'targets.strategies', 'expected a non-empty list');
    expectInputError(() => normalize(withTargets({ strategies: ['round-robin'], checks: [] })), 'targets.checks', 'expected a non-empty list');
  });

  it('accepts a metric of a class the workload can produce: a type, a priority, the default tenant', () => {
    const checks = [
      { metric: 'byType.review.deadlineSuccess', min: 0.9 },
      { metric: 'byPriority.2.latency.p95', max: 10 },
      { metric: 'byTenant.default.completion', min: 0.99 },
      { metric: 'byTenant.default.share.ratio', min: 0.9 },
    ];
    const { targets } = normalize(withTargets({ strategies: ['round-robin'], checks }));
    expect(targets?.checks.map((check) => check.metric)).toEqual(checks.map((check) => check.metric));
  });

  it('rejects a class no task can be in, naming the field, with the classes there are', () => {
    expectInputError(() => normalize(withTargets({ strategies: ['round-robin'], checks: [{ metric: 'byPriority.0.deadlineSuccess', min: 0.9 }] })),
      'targets.checks[0].metric', 'no task of the workload can have priority "0"; priority classes: 2');
    expectInputError(() => normalize(withTargets({ strategies: ['round-robin'], checks: [{ metric: 'byType.reviews.wait.mean', max: 1 }] })),
      'targets.checks[0].metric', 'no task of the workload can have type "reviews" (did you mean "review"?); type classes: code, review');
    expectInputError(() => normalize(withTargets({ strategies: ['round-robin'], checks: [{ metric: 'byTenant.acme.completion', min: 1 }] })),
      'targets.checks[0].metric', /^no task of the workload can have tenant "acme"/);
    expectInputError(() => normalize(withTargets({ strategies: ['round-robin'], checks: [{ metric: 'byType.code.utilization', max: 1 }] })),
      'targets.checks[0].metric', /^"byType\.code\.utilization" names no class metric: expected byType\.<class>\.<metric>/);
  });
});
