/**
 * least-work-left: the agent that clears its work in hand soonest, tokens ÷ (capacity × speed).
 */
import { describe, expect, it } from 'vitest';
import type { AgentView } from '../../src/engine/agent.js';
import type { Binding } from '../../src/engine/strategy.js';
import { Harness } from '../support/harness.js';
import { handAgent, pickedIndex, type AgentShape } from '../support/handFleet.js';

/** A hand-built agent with four slots unless the shape says otherwise. */
function agent(index: number, shape: AgentShape): AgentView {
  return handAgent(index, { capacity: 4, ...shape });
}

function pick(agents: AgentView[], binding?: Binding): number | undefined {
  return pickedIndex('least-work-left', agents, binding);
}

describe('least-work-left', () => {
  it('prefers three tiny tasks to one huge one: it counts work, not tasks', () => {
    const oneHuge = { active: 1, outstandingTokens: 10_000 };
    const threeTiny = { active: 3, outstandingTokens: 300 };
    expect(pick([agent(0, oneHuge), agent(1, threeTiny)])).toBe(1);
    expect(pick([agent(0, threeTiny), agent(1, oneHuge)])).toBe(0);
  });

  it('divides by speed: more tokens on a faster agent can be less work', () => {
    // 2000 tokens at 1000/s (0.5 s per slot over 4 slots) against 1000 at 100/s (2.5 s).
    const slow = agent(0, { tokensPerSecond: 100, active: 1, outstandingTokens: 1000 });
    const fast = agent(1, { tokensPerSecond: 1000, active: 1, outstandingTokens: 2000 });
    expect(pick([slow, fast])).toBe(1);
  });

  it('divides by capacity: the work is shared over the slots', () => {
    // 1000 tokens on one slot (10 s) against 2000 over four slots (5 s).
    expect(pick([agent(0, { capacity: 1, queued: 0, active: 0, outstandingTokens: 1000 }), agent(1, { capacity: 4, active: 1, outstandingTokens: 2000 })], 'early')).toBe(1);
  });

  it('sends work to the faster of two idle agents, then by the lowest index', () => {
    expect(pick([agent(0, { tokensPerSecond: 50 }), agent(1, { tokensPerSecond: 80 }), agent(2, { tokensPerSecond: 80 })])).toBe(1);
  });

  it('skips agents that are full under late binding or gone', () => {
    expect(pick([agent(0, { capacity: 1, active: 1, outstandingTokens: 10 }), agent(1, { active: 3, outstandingTokens: 9000 })])).toBe(1);
    expect(pick([agent(0, { accepting: false }), agent(1, { active: 3, outstandingTokens: 9000 })], 'early')).toBe(1);
  });

  it('routes by queued work under early binding through the engine', () => {
    const h = new Harness({
      strategy: 'least-work-left', config: { binding: 'early' },
      agents: [{ id: 'slow', tokensPerSecond: 10 }, { id: 'fast', tokensPerSecond: 100 }],
    });
    // Each 1000-token task adds 100 s of work on slow, 10 s on fast: fast takes tasks until it
    // holds ten times slow's tokens.
    for (let i = 0; i < 11; i++) h.submit({ id: `t${i}`, tokens: 1000 });
    expect(h.engine.agents.map((a) => a.active + a.queued)).toEqual([1, 10]);
  });
});
