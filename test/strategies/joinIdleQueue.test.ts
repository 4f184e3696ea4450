/**
 * join-idle-queue: an idle agent if there is one (the one registered longest ago), otherwise a
 * uniformly random eligible agent.
 */
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { Harness, createStrategy } from '../support/harness.js';
import { handAgents, handContext, handTask, introduce, setLoad } from '../support/handFleet.js';

describe('join-idle-queue', () => {
  it('prefers an idle agent to busy ones, whatever their queues', () => {
    const agents = handAgents([{ active: 1 }, { active: 1, queued: 3 }, {}, { active: 1, queued: 1 }]);
    const strategy = createStrategy('join-idle-queue');
    expect(strategy.pickAgent(handTask('t'), introduce(strategy, handContext(agents, 'early')))!.index).toBe(2);
  });

  it('serves idle agents first registered, first served, and drops an agent that is no longer idle', () => {
    const agents = handAgents([{ active: 1 }, { active: 1 }, { active: 1 }]);
    const strategy = createStrategy('join-idle-queue');
    const ctx = introduce(strategy, handContext(agents, 'early'));
    setLoad(strategy, ctx, agents[2]!, { active: 0 }); // 2 falls idle first
    setLoad(strategy, ctx, agents[0]!, { active: 0 }); // then 0
    expect(strategy.pickAgent(handTask('t'), ctx)!.index).toBe(2);
    setLoad(strategy, ctx, agents[2]!, { active: 1 }); // 2 took the task
    expect(strategy.pickAgent(handTask('t'), ctx)!.index).toBe(0);
  });

  it('moves an idle agent with several slots to the tail when its load changes, so tasks spread', () => {
    const agents = handAgents([{ capacity: 3 }, { capacity: 3 }]);
    const strategy = createStrategy('join-idle-queue');
    const ctx = introduce(strategy, handContext(agents, 'late'));
    expect(strategy.pickAgent(handTask('t'), ctx)!.index).toBe(0);
    setLoad(strategy, ctx, agents[0]!, { active: 1 }); // still a free slot: idle, re-registered last
    expect(strategy.pickAgent(handTask('t'), ctx)!.index).toBe(1);
  });

  it('falls back to a uniformly random accepting agent under early binding when none is idle', () => {
    const agents = handAgents([{ active: 1, queued: 4 }, { active: 1 }, { accepting: false }, { active: 1, queued: 1 }]);
    const strategy = createStrategy('join-idle-queue');
    const ctx = introduce(strategy, handContext(agents, 'early', seedrandom('fallback')));
    const n = 9000;
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) counts[strategy.pickAgent(handTask(`t${i}`), ctx)!.index]!++;
    expect(counts[2]).toBe(0);
    const sd = Math.sqrt((n * 2) / 9);
    for (const i of [0, 1, 3]) expect(Math.abs(counts[i]! - n / 3), `agent ${i}: ${counts[i]}`).toBeLessThan(4 * sd);
  });

  it('draws no random number while an agent is idle, and picks none under late binding when all are full', () => {
    const agents = handAgents([{ active: 1 }, {}]);
    const strategy = createStrategy('join-idle-queue');
    let draws = 0;
    const ctx = introduce(strategy, handContext(agents, 'late', () => (draws++, 0.5)));
    expect(strategy.pickAgent(handTask('t'), ctx)!.index).toBe(1);
    setLoad(strategy, ctx, agents[1]!, { active: 1 });
    expect(strategy.pickAgent(handTask('t'), ctx)).toBeUndefined();
    expect(draws).toBe(0);
  });

  it('through the engine under early binding, fills idle agents before queueing behind busy ones', () => {
    const h = new Harness({ strategy: 'join-idle-queue', config: { binding: 'early' }, agents: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] });
    for (let i = 0; i < 3; i++) h.submit({ id: `t${i}` });
    expect(h.engine.agents.map((a) => [a.active, a.queued])).toEqual([[1, 0], [1, 0], [1, 0]]);
    h.drive(); // every start answered
    h.finish('t1'); // b falls idle
    h.submit({ id: 't3' });
    expect(h.engine.task('t3')!.agentIndex).toBe(1);
    h.assertAll();
  });
});
