/**
 * join-shortest-queue: the eligible agent with the fewest tasks in hand, counted absolutely;
 * ties to the lowest index. Its index follows every load change the hooks report.
 */
import { describe, expect, it } from 'vitest';
import { Harness, createStrategy } from '../support/harness.js';
import { handAgents, handContext, handTask, introduce, setLoad } from '../support/handFleet.js';

describe('join-shortest-queue', () => {
  it('counts tasks absolutely, where least-connections counts them per slot', () => {
    // Agent 0: capacity 4, 3 tasks (0.75 per slot). Agent 1: capacity 1, 2 tasks (2 per slot).
    const agents = handAgents([{ capacity: 4, active: 3 }, { capacity: 1, active: 1, queued: 1 }]);
    const jsq = createStrategy('join-shortest-queue');
    expect(jsq.pickAgent(handTask('t'), introduce(jsq, handContext(agents, 'early')))!.index).toBe(1);
    const lc = createStrategy('least-connections');
    expect(lc.pickAgent(handTask('t'), introduce(lc, handContext(agents, 'early')))!.index).toBe(0);
  });

  it('breaks ties by the lowest index and skips agents that are full (late) or gone', () => {
    const agents = handAgents([{ accepting: false }, { active: 1 }, { capacity: 3, active: 1 }, { capacity: 2, active: 1 }]);
    const strategy = createStrategy('join-shortest-queue');
    expect(strategy.pickAgent(handTask('t'), introduce(strategy, handContext(agents, 'late')))!.index).toBe(2);
  });

  it('follows load changes reported through onAgentLoadChanged', () => {
    const agents = handAgents([{ capacity: 5 }, { capacity: 5 }, { capacity: 5 }]);
    const strategy = createStrategy('join-shortest-queue');
    const ctx = introduce(strategy, handContext(agents, 'late'));
    expect(strategy.pickAgent(handTask('t'), ctx)!.index).toBe(0);
    setLoad(strategy, ctx, agents[0]!, { active: 2 });
    setLoad(strategy, ctx, agents[1]!, { active: 1 });
    expect(strategy.pickAgent(handTask('t'), ctx)!.index).toBe(2);
    setLoad(strategy, ctx, agents[2]!, { active: 3 });
    expect(strategy.pickAgent(handTask('t'), ctx)!.index).toBe(1);
    setLoad(strategy, ctx, agents[1]!, { accepting: false, active: 0 });
    expect(strategy.pickAgent(handTask('t'), ctx)!.index).toBe(0);
  });

  it('keeps agent queues level through the engine under early binding', () => {
    const h = new Harness({ strategy: 'join-shortest-queue', config: { binding: 'early' }, agents: [{ id: 'a' }, { id: 'b', capacity: 3 }, { id: 'c' }] });
    for (let i = 0; i < 8; i++) h.submit({ id: `t${i}` });
    // Absolute counts: b's three slots do not make it look emptier.
    expect(h.engine.agents.map((a) => a.active + a.queued)).toEqual([3, 3, 2]);
    h.assertAll();
  });
});
