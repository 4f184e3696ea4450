/**
 * Tenant fairness against hand-computed figures: each tenant's service share against its demand
 * share (`byTenant.<tenant>.share`), Jain over those ratios, and the worst tenant's slowdown
 * (mean latency ÷ mean service time).
 */
import { describe, expect, it } from 'vitest';
import { EventScript } from './script.js';

describe('tenant fairness', () => {
  it('has no figures before any completion, but already knows each tenant\'s demand', () => {
    const s = new EventScript();
    s.join(0, 'a');
    s.submit(0, { tenant: 'a', tokens: 10 });
    const m = s.collect(1);
    expect(m.tenantFairness).toEqual({ jain: null, worstSlowdown: null });
    expect(m.byTenant.a!.share).toEqual({ demand: 1, service: null, ratio: null });
  });

  it('is 1 when every tenant is served in proportion to its demand', () => {
    const s = new EventScript();
    const agent = s.join(0, 'x', 2);
    const a = s.submit(0, { tenant: 'a', tokens: 100 });
    const b = s.submit(0, { tenant: 'b', tokens: 300 });
    s.dispatch(0, b, agent);
    s.dispatch(1, a, agent);
    s.complete(2, a, 1);
    s.complete(3, b, 1);
    const m = s.collect(3);
    expect(m.byTenant.a!.share).toEqual({ demand: 0.25, service: 0.25, ratio: 1 });
    expect(m.byTenant.b!.share).toEqual({ demand: 0.75, service: 0.75, ratio: 1 });
    expect(m.tenantFairness.jain).toBeCloseTo(1, 12);
    // a waited twice its service time (latency 2, service 1), b none.
    expect(m.tenantFairness.worstSlowdown).toBeCloseTo(2, 12);
  });

  it('falls when one tenant is starved: demand 3/4 and 1/4, service all to a', () => {
    const s = new EventScript();
    const agent = s.join(0, 'x');
    const a = s.submit(0, { tenant: 'a', tokens: 300 });
    s.submit(0, { tokens: 100 });
    s.dispatch(8, a, agent);
    s.complete(10, a, 1);
    const m = s.collect(10);
    expect(m.byTenant.a!.share).toEqual({ demand: 0.75, service: 1, ratio: 4 / 3 });
    // A task without a tenant is the default tenant's.
    expect(m.byTenant.default!.share).toEqual({ demand: 0.25, service: 0, ratio: 0 });
    // ratios 4/3 and 0: Jain = (4/3)² / (2 · (4/3)²) = 0.5; a waited 10 s for 2 s of work.
    expect(m.tenantFairness).toEqual({ jain: 0.5, worstSlowdown: 5 });
  });
});
