/**
 * performance-based: weighs agents by an EWMA of the quality of their recent attempts, so when
 * an agent's work degrades mid-run its share of new work falls.
 *
 * The shares are statistical (the default picker draws in proportion to quality); the runs use
 * fixed seeds and bands of four binomial standard errors (test/sim/tolerance.ts says why four).
 * Qualities are constant within each phase, so once the EWMAs have converged every routing
 * decision is an independent draw with fixed probabilities: a binomial count.
 */
import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../src/engine/messages.js';
import { performanceBased } from '../../src/strategies/performanceBased.js';
import { Harness, agentSpec, taskSpec } from '../support/harness.js';
import { runPaced, shareOf, type Binding } from '../support/pacedDriver.js';
import { idleAgentView, taskViewOf } from '../support/views.js';
import { binomialTolerance } from '../sim/tolerance.js';
import { decision } from './pipeline/fixtures.js';

const DEGRADES_AT = 600;
const END = 3000;
/** After it degrades, b's attempts have quality 0.2; a's and c's stay at 0.9. */
const QUALITY = { good: 0.9, degraded: 0.2 };

/** Three equal agents; 200-token tasks at 100 tokens/s, one a second; b degrades at DEGRADES_AT. */
function degradingB(strategy: string | ReturnType<typeof performanceBased.create>, seed: string): Binding[] {
  const h = new Harness({ strategy, seed, config: { binding: 'early' }, agents: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] });
  return runPaced(h, {
    tasks: END, intervalSeconds: 1, tokens: 200,
    durationSeconds: () => 2,
    outcome: (agent, startedAt): Outcome => ({ ok: true, quality: agent === 'b' && startedAt >= DEGRADES_AT ? QUALITY.degraded : QUALITY.good }),
  });
}

describe('performance-based', () => {
  it('gives a degrading agent a falling share of new work, in proportion to its quality', () => {
    const bindings = degradingB('performance-based', 'degrade');
    // Before: all agents alike, each a third. Measured after the prior (1) has washed out.
    const before = shareOf(bindings, 'b', 100, DEGRADES_AT);
    expect(Math.abs(before.share - 1 / 3), JSON.stringify(before)).toBeLessThan(binomialTolerance(1 / 3, before.n));
    // After: b's EWMA falls to 0.2, the others stay at 0.9: b draws 0.2 / (0.2 + 0.9 + 0.9) = 10%.
    // 600 s is ample: b settles an attempt every few seconds and 0.8^40 ≈ 1e-4.
    const after = shareOf(bindings, 'b', DEGRADES_AT + 600, END);
    const expected = QUALITY.degraded / (QUALITY.degraded + 2 * QUALITY.good);
    expect(Math.abs(after.share - expected), JSON.stringify(after)).toBeLessThan(binomialTolerance(expected, after.n));
  });

  it('with the max picker stops sending the degraded agent work altogether', () => {
    const strategy = performanceBased.create(performanceBased.params.parse({ picker: 'max' }));
    const bindings = degradingB(strategy, 'degrade-max');
    expect(shareOf(bindings, 'b', DEGRADES_AT + 600, END).share).toBe(0);
  });

  it('is what makes the difference: random keeps sending the degraded agent its third', () => {
    const bindings = degradingB('random', 'degrade-random');
    const after = shareOf(bindings, 'b', DEGRADES_AT + 600, END);
    expect(Math.abs(after.share - 1 / 3), JSON.stringify(after)).toBeLessThan(binomialTolerance(1 / 3, after.n));
  });

  it('counts a failed attempt as quality 0 and starts unseen agents at the prior', () => {
    const strategy = performanceBased.create(performanceBased.params.parse({ picker: 'max', alpha: 0.5, prior: 0.7 }));
    const agents = [idleAgentView(agentSpec({ id: 'a' }), 0), idleAgentView(agentSpec({ id: 'b' }), 1)];
    const t = taskViewOf(taskSpec({ id: 't' }));
    strategy.onSettle!(t, agents[0]!, { ok: true, quality: 0.9 }, decision(agents)); // a: 0.8 > b's prior 0.7
    expect(strategy.pickAgent(t, decision(agents))!.spec.id).toBe('a');
    strategy.onSettle!(t, agents[0]!, { ok: false, reason: 'agent-error' }, decision(agents)); // a: 0.4
    expect(strategy.pickAgent(t, decision(agents))!.spec.id).toBe('b');
  });

  it('has documented defaults', () => {
    expect(performanceBased.params.parse({})).toEqual({ alpha: 0.2, prior: 1, picker: 'weighted-random', temperature: 0.1 });
    expect(performanceBased.params.safeParse({ picker: 'best' }).success).toBe(false);
  });
});
