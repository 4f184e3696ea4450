/**
 * latency-ewma: routes by each agent's observed seconds per token, so when an agent slows down
 * mid-run its share of new work falls. Runs are deterministic (steady arrivals, fixed
 * durations, and the strategy draws nothing), so the shares are exact figures, not estimates.
 */
import { describe, expect, it } from 'vitest';
import { latencyEwma } from '../../src/strategies/latencyEwma.js';
import { Harness, agentSpec, taskSpec } from '../support/harness.js';
import { runPaced, shareOf, type Binding } from '../support/pacedDriver.js';
import { idleAgentView, taskViewOf } from '../support/views.js';
import { decision } from './pipeline/fixtures.js';

const SLOWDOWN_AT = 600;
/** Three agents at 100 tokens/s; 200-token tasks take 2 s, on b 10 s from SLOWDOWN_AT on. */
function slowingB(strategy: string, binding: 'late' | 'early'): Binding[] {
  const h = new Harness({
    strategy, config: { binding },
    agents: [{ id: 'a', tokensPerSecond: 100 }, { id: 'b', tokensPerSecond: 100 }, { id: 'c', tokensPerSecond: 100 }],
  });
  return runPaced(h, {
    tasks: 2400, intervalSeconds: 1, tokens: 200,
    durationSeconds: (agent, startedAt) => (agent === 'b' && startedAt >= SLOWDOWN_AT ? 10 : 2),
  });
}

describe('latency-ewma', () => {
  // Under late binding it picks the lowest EWMA among free agents.
  it.each(['early', 'late'] as const)('sends an agent that slows down mid-run a much smaller share of new work (%s binding)', (binding) => {
    const bindings = slowingB('latency-ewma', binding);
    const before = shareOf(bindings, 'b', 0, SLOWDOWN_AT);
    // Leave 200 s for the EWMA to see the slowdown.
    const after = shareOf(bindings, 'b', SLOWDOWN_AT + 200, 2400);
    expect(before.share, JSON.stringify(before)).toBeGreaterThan(0.2);
    expect(after.share, JSON.stringify({ before, after })).toBeLessThan(before.share / 4);
  });

  it('is what makes the difference: round-robin keeps sending the slowed agent its third', () => {
    const bindings = slowingB('round-robin', 'early');
    expect(shareOf(bindings, 'b', 0, SLOWDOWN_AT).share).toBeCloseTo(1 / 3, 2);
    expect(shareOf(bindings, 'b', SLOWDOWN_AT + 200, 2400).share).toBeCloseTo(1 / 3, 2);
  });

  it('tries an unseen agent first when it declares itself faster than the pace others show', () => {
    const strategy = latencyEwma.create(latencyEwma.params.parse({ alpha: 1 }));
    const agents = [idleAgentView(agentSpec({ id: 'seen', tokensPerSecond: 100 }), 0), idleAgentView(agentSpec({ id: 'new', tokensPerSecond: 50 }), 1)];
    const t = taskViewOf(taskSpec({ id: 't', tokens: 100 }), { state: 'running', startedAt: 0 });
    // Before any observation: 0.01 s/token against 0.02: the faster declaration wins.
    expect(strategy.pickAgent(t, decision(agents))!.spec.id).toBe('seen');
    // 'seen' took 5 s for 100 tokens (0.05 s/token): the newcomer's declared 0.02 is better.
    strategy.onSettle!(t, agents[0]!, { ok: true, quality: 1 }, decision(agents, { now: 5 }));
    expect(strategy.pickAgent(t, decision(agents))!.spec.id).toBe('new');
  });

  it('rejects alpha outside (0, 1]', () => {
    expect(latencyEwma.params.safeParse({ alpha: 0 }).success).toBe(false);
    expect(latencyEwma.params.safeParse({ alpha: 1.5 }).success).toBe(false);
    expect(latencyEwma.params.parse({})).toEqual({ alpha: 0.2 });
  });
});
