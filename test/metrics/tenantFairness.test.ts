/**
 * Tenant fairness against hand-computed figures: Jain over tenants of service share ÷ demand
 * share, and the worst tenant's slowdown (mean latency ÷ mean service time).
 */
import { describe, expect, it } from 'vitest';
import { TenantFairness } from '../../src/metrics/tenantFairness.js';

describe('TenantFairness', () => {
  it('has no figures before any completion', () => {
    const fairness = new TenantFairness();
    fairness.submitted('a', 10);
    expect(fairness.metrics()).toEqual({ jain: null, worstSlowdown: null });
  });

  it('is 1 when every tenant is served in proportion to its demand', () => {
    const fairness = new TenantFairness();
    fairness.submitted('a', 100);
    fairness.submitted('b', 300);
    fairness.completed('a', 100, 2, 1);
    fairness.completed('b', 300, 3, 3);
    expect(fairness.metrics().jain).toBeCloseTo(1, 12);
    // a waited twice its service time, b none.
    expect(fairness.metrics().worstSlowdown).toBeCloseTo(2, 12);
  });

  it('falls when one tenant is starved: demand 1/2 each, service all to a', () => {
    const fairness = new TenantFairness();
    fairness.submitted('a', 100);
    fairness.submitted(undefined, 100);
    fairness.completed('a', 100, 10, 2);
    // ratios: a (1 / 0.5) = 2, default (0 / 0.5) = 0: Jain = 4 / (2 · 4) = 0.5.
    expect(fairness.metrics()).toEqual({ jain: 0.5, worstSlowdown: 5 });
  });
});
