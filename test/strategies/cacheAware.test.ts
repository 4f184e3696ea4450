/**
 * cache-aware: for a task with contextBlocks, the agent bound the longest leading run of its
 * blocks if that run is more than cacheThreshold of them; otherwise the holder of the task's
 * contextKey (the agent last bound a task of that key); both only while the fleet is balanced; the shortest queue when it is not, where unbalanced means
 * max − min > balanceAbsThreshold and max > balanceRelThreshold × min (SGLang's test), over the
 * accepting agents' tasks in hand.
 */
import { describe, expect, it } from 'vitest';
import type { Strategy } from '../../src/engine/strategy.js';
import { findStrategy } from '../../src/strategies/index.js';
import { Harness } from '../support/harness.js';
import { handAgents, handContext, handTask, introduce, setLoad, type AgentShape } from '../support/handFleet.js';

function cacheAware(params: Record<string, unknown> = {}): Strategy {
  const definition = findStrategy('cache-aware')!;
  return definition.create(definition.params.parse(params));
}

/** A strategy over hand-built agents whose key `k` is held by agent `holder`. */
function withHolder(shapes: readonly AgentShape[], holder: number, params: Record<string, unknown> = {}, binding: 'late' | 'early' = 'early') {
  const agents = handAgents(shapes);
  const strategy = cacheAware(params);
  const ctx = introduce(strategy, handContext(agents, binding));
  strategy.onAssign!(handTask('earlier', { contextKey: 'k' }), agents[holder]!, ctx);
  const pick = (key = 'k'): number | undefined => strategy.pickAgent(handTask('t', { contextKey: key }), ctx)?.index;
  return { agents, strategy, ctx, pick };
}

/** Agents with these tasks in hand (one slot active, the rest queued), early binding. */
function loads(...tasks: number[]): AgentShape[] {
  return tasks.map((n) => ({ capacity: 1, active: Math.min(n, 1), queued: Math.max(n - 1, 0) }));
}

describe('cache-aware', () => {
  it('has documented defaults: absolute threshold 2 tasks, relative 1.5, 100,000 keys remembered, cache threshold 0.3, 250,000 blocks remembered', () => {
    expect(findStrategy('cache-aware')!.params.parse({})).toEqual({ balanceAbsThreshold: 2, balanceRelThreshold: 1.5, maxKeys: 100_000, cacheThreshold: 0.3, maxBlocks: 250_000 });
  });

  it('goes to the key holder while the fleet is balanced, even when another agent has fewer tasks', () => {
    const { pick } = withHolder(loads(1, 1, 3, 2), 2); // max − min = 2, not above 2
    expect(pick()).toBe(2);
  });

  it('goes to the shortest queue when the fleet is unbalanced (both thresholds exceeded)', () => {
    const { pick } = withHolder(loads(2, 1, 4, 2), 2); // 4 − 1 = 3 > 2 and 4 > 1.5 × 1
    expect(pick()).toBe(1);
  });

  it('stays with the holder when only the absolute threshold is exceeded', () => {
    const { pick } = withHolder(loads(10, 13, 11), 1); // 13 − 10 = 3 > 2, but 13 ≤ 1.5 × 10
    expect(pick()).toBe(1);
  });

  it('stays with the holder when only the relative threshold is exceeded', () => {
    const { pick } = withHolder(loads(0, 2, 1), 1); // 2 > 1.5 × 0, but 2 − 0 = 2 is not above 2
    expect(pick()).toBe(1);
  });

  it('honours its parameters: SGLang defaults (64, 1.5) keep the holder through a gap of 10 tasks', () => {
    expect(withHolder(loads(0, 10), 1, { balanceAbsThreshold: 64 }).pick()).toBe(1);
    expect(withHolder(loads(0, 10), 1).pick()).toBe(0);
    expect(withHolder(loads(4, 10), 1, { balanceRelThreshold: 3 }).pick()).toBe(1);
  });

  it('sends a key it has not seen, or a task without a key, to the shortest queue (ties: lowest index)', () => {
    const { agents, strategy, ctx, pick } = withHolder(loads(2, 1, 1, 3), 3);
    expect(pick('new')).toBe(1);
    expect(strategy.pickAgent(handTask('no-key'), ctx)!.index).toBe(1);
    strategy.onAssign!(handTask('x', { contextKey: 'new' }), agents[1]!, ctx);
    setLoad(strategy, ctx, agents[1]!, { queued: 1 });
    expect(pick('new'), 'the agent it was bound to now holds it').toBe(1);
  });

  it('moves a key to the agent it was last bound to, after an imbalance sent it elsewhere', () => {
    const { agents, strategy, ctx, pick } = withHolder(loads(0, 4, 0), 1);
    expect(pick()).toBe(0); // unbalanced: 4 − 0 > 2
    strategy.onAssign!(handTask('t', { contextKey: 'k' }), agents[0]!, ctx);
    setLoad(strategy, ctx, agents[0]!, { active: 1 });
    setLoad(strategy, ctx, agents[1]!, { active: 1, queued: 0 }); // balanced again
    expect(pick()).toBe(0);
  });

  it('under late binding passes over a holder without a free slot, and one that left', () => {
    const full = withHolder([{ capacity: 2, active: 2 }, { capacity: 2, active: 1 }, { capacity: 2 }], 0, {}, 'late');
    expect(full.pick()).toBe(2);
    const gone = withHolder([{ capacity: 2 }, { capacity: 2, active: 1 }], 0, {}, 'late');
    setLoad(gone.strategy, gone.ctx, gone.agents[0]!, { accepting: false });
    expect(gone.pick()).toBe(1);
  });

  it('forgets the least recently bound key beyond maxKeys', () => {
    const { agents, strategy, ctx, pick } = withHolder(loads(1, 1, 1, 0), 0, { maxKeys: 2 });
    const bind = (key: string, agent: number): void => strategy.onAssign!(handTask(key, { contextKey: key }), agents[agent]!, ctx);
    bind('b', 1);
    bind('k', 0); // k is bound again: now b is the oldest
    bind('c', 2); // b forgotten
    expect([pick('k'), pick('c'), pick('b')]).toEqual([0, 2, 3]);
  });

  it('through the engine keeps a hot key on one agent until its queue runs ahead, then moves it', () => {
    const h = new Harness({ strategy: 'cache-aware', config: { binding: 'early' }, agents: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] });
    const agentOf = (id: string): string => h.engine.agents[h.engine.task(id)!.agentIndex]!.spec.id;
    h.submit({ id: 'cold', contextKey: 'other' }); // a
    for (let i = 0; i < 4; i++) h.submit({ id: `hot${i}`, contextKey: 'hot' });
    // hot0: no holder → shortest, b. hot1, hot2: b holds it, gap to c (0 tasks) is 1, then 2:
    // balanced → b. hot3: b has 3, c 0, 3 − 0 > 2 and 3 > 1.5 × 0: unbalanced → shortest, c.
    expect(['cold', 'hot0', 'hot1', 'hot2', 'hot3'].map(agentOf)).toEqual(['a', 'b', 'b', 'b', 'c']);
    h.assertAll();
  });

  describe('with prompt prefixes as blocks (contextBlocks)', () => {
    /** Three balanced agents; agent 0 was bound prompt [1 2 3 4], agent 1 prompt [1 2 5]. */
    function withPrefixes(params: Record<string, unknown> = {}, shapes: readonly AgentShape[] = loads(1, 1, 0)) {
      const agents = handAgents(shapes);
      const strategy = cacheAware(params);
      const ctx = introduce(strategy, handContext(agents, 'early'));
      strategy.onAssign!(handTask('a', { contextBlocks: [1, 2, 3, 4], contextKey: '2' }), agents[0]!, ctx);
      strategy.onAssign!(handTask('b', { contextBlocks: [1, 2, 5], contextKey: '2' }), agents[1]!, ctx);
      const pick = (blocks: number[], contextKey?: string): number | undefined => strategy.pickAgent(handTask('t', { contextBlocks: blocks, contextKey }), ctx)?.index;
      return { agents, strategy, ctx, pick };
    }

    it('goes to the agent holding the longest leading run of the prompt, not to the last holder of its key', () => {
      const { pick } = withPrefixes();
      expect(pick([1, 2, 3, 4, 6], '2')).toBe(0); // 4 of 5 blocks on agent 0; agent 1 last bound key '2'
      expect(pick([1, 2, 5, 9], '2')).toBe(1);
    });

    it('goes to the shortest queue when the longest run is not more than cacheThreshold of the blocks', () => {
      const { pick } = withPrefixes();
      expect(pick([1, 2, 7, 8, 9, 10, 11])).toBe(2); // 2 of 7 blocks ≤ 0.3: agent 2 has fewest tasks
      expect(pick([1, 2, 7, 8, 9, 10])).toBe(1); // 2 of 6 > 0.3: the most recent holder of [1 2]
      expect(withPrefixes({ cacheThreshold: 0.5 }).pick([1, 2, 7, 8, 9, 10])).toBe(2);
      expect(pick([9, 1, 2])).toBe(2); // no leading block held
    });

    it('goes to the shortest queue when the fleet is unbalanced, and passes over a holder that is not eligible', () => {
      expect(withPrefixes({}, loads(4, 1, 1)).pick([1, 2, 3, 4])).toBe(1); // 4 − 1 > 2 and 4 > 1.5
      const { strategy, ctx, agents, pick } = withPrefixes();
      setLoad(strategy, ctx, agents[0]!, { accepting: false });
      expect(pick([1, 2, 3, 4])).toBe(1); // agent 1 holds [1 2]: 2 of 4 blocks
    });

    it('through the engine keeps the turns of a conversation on the agent that holds its prefix', () => {
      const h = new Harness({ strategy: 'cache-aware', config: { binding: 'early' }, agents: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] });
      const agentOf = (id: string): string => h.engine.agents[h.engine.task(id)!.agentIndex]!.spec.id;
      h.submit({ id: 'x1', contextBlocks: [0, 10], contextTokens: 1024, contextBlockTokens: 512 }); // a
      h.submit({ id: 'y1', contextBlocks: [0, 20], contextTokens: 1024, contextBlockTokens: 512 }); // [0] alone is 1 of 2, above 0.3: a
      h.submit({ id: 'x2', contextBlocks: [0, 10, 11], contextTokens: 1536, contextBlockTokens: 512 }); // a again (2 tasks vs 0: balanced)
      // a has 3, b and c 0: unbalanced, so the shortest queue, b, which now holds [0 20 21].
      h.submit({ id: 'y2', contextBlocks: [0, 20, 21], contextTokens: 1536, contextBlockTokens: 512 });
      expect(['x1', 'y1', 'x2', 'y2'].map(agentOf)).toEqual(['a', 'a', 'a', 'b']);
      h.assertAll();
    });
  });
});
