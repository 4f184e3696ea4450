/**
 * least-loaded-tokens: least-connections counting tokens per slot, not tasks.
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
  return pickedIndex('least-loaded-tokens', agents, binding);
}

describe('least-loaded-tokens', () => {
  it('prefers three tiny tasks to one huge one: it counts tokens, not tasks', () => {
    const oneHuge = { active: 1, outstandingTokens: 10_000 };
    const threeTiny = { active: 3, outstandingTokens: 300 };
    expect(pick([agent(0, oneHuge), agent(1, threeTiny)])).toBe(1);
    expect(pick([agent(0, threeTiny), agent(1, oneHuge)])).toBe(0);
  });

  it('counts tokens per slot', () => {
    // 1000 tokens on one slot against 2000 over four slots (500 per slot).
    expect(pick([agent(0, { capacity: 1, active: 0, outstandingTokens: 0 }), agent(1, { capacity: 4, active: 1, outstandingTokens: 2000 })])).toBe(0);
    expect(pick([agent(0, { capacity: 2, active: 1, outstandingTokens: 1000 }), agent(1, { capacity: 4, active: 1, outstandingTokens: 1500 })])).toBe(1);
  });

  it('ignores speed (that is least-work-left)', () => {
    const fastButLoaded = agent(0, { tokensPerSecond: 10_000, active: 1, outstandingTokens: 2000 });
    const slowLighter = agent(1, { tokensPerSecond: 10, active: 1, outstandingTokens: 1000 });
    expect(pick([fastButLoaded, slowLighter])).toBe(1);
  });

  it('breaks a tie in tokens by fewer tasks per slot, then by the lowest index', () => {
    expect(pick([agent(0, { active: 2, outstandingTokens: 800 }), agent(1, { active: 1, outstandingTokens: 800 })])).toBe(1);
    expect(pick([agent(0, { active: 1, outstandingTokens: 800 }), agent(1, { active: 1, outstandingTokens: 800 })])).toBe(0);
  });

  it('counts the tokens in an agent own queue under early binding', () => {
    const h = new Harness({ strategy: 'least-loaded-tokens', config: { binding: 'early' }, agents: [{ id: 'a' }, { id: 'b' }] });
    h.submit({ id: 'huge', tokens: 9000 }); // a (both empty: the lower index)
    for (let i = 0; i < 3; i++) h.submit({ id: `tiny${i}`, tokens: 100 }); // b each time: 0, 100, 200 < 9000
    h.submit({ id: 'mid', tokens: 5000 }); // b: 300 < 9000, although b holds three tasks and a one
    h.submit({ id: 'last', tokens: 10 }); // b: 5300 < 9000
    expect(h.engine.agents.map((a) => a.outstandingTokens)).toEqual([9000, 5310]);
    expect(h.engine.agents.map((a) => a.active + a.queued)).toEqual([1, 5]);
  });
});
