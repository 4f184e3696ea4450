/**
 * consistent-hash with bounded loads: every task of a key goes to the first agent clockwise from
 * the key's hash that is under the bound ⌈loadFactor × (tasks + 1) / agents⌉ (and, under late
 * binding, has a free slot).
 */
import fc from 'fast-check';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import type { AgentView } from '../../src/engine/agent.js';
import { isEligible, type Binding, type Strategy } from '../../src/engine/strategy.js';
import { findStrategy } from '../../src/strategies/index.js';
import { ringHash } from '../../src/strategies/hashRing.js';
import { Harness, agentSpec } from '../support/harness.js';
import { handAgent, handAgents, handContext, handTask, introduce, setLoad, type HandAgent } from '../support/handFleet.js';
import { idleAgentView } from '../support/views.js';

function consistentHash(params: Record<string, unknown> = {}): Strategy {
  const definition = findStrategy('consistent-hash')!;
  return definition.create(definition.params.parse(params));
}

/** Agent ids in the order a key's walk meets them (each agent once), from the ring's definition. */
function walkOrder(key: string, ids: readonly string[], virtualNodes = 100): string[] {
  const points = ids.flatMap((id) => Array.from({ length: virtualNodes }, (_, k) => ({ hash: ringHash(`${id}#${k}`), id })));
  points.sort((a, b) => a.hash - b.hash);
  const start = ringHash(key);
  const rotated = [...points.filter((p) => p.hash >= start), ...points.filter((p) => p.hash < start)];
  return [...new Set(rotated.map((p) => p.id))];
}

function tasksInHand(agents: readonly AgentView[]): number {
  return agents.reduce((sum, a) => sum + (a.accepting ? a.active + a.queued : 0), 0);
}

describe('consistent-hash', () => {
  it('has documented defaults: 100 virtual nodes, load factor 1.25', () => {
    const params = findStrategy('consistent-hash')!.params;
    expect(params.parse({})).toEqual({ virtualNodes: 100, loadFactor: 1.25 });
    expect(params.safeParse({ loadFactor: 0.9 }).success).toBe(false);
    expect(params.safeParse({ virtualNodes: 0 }).success).toBe(false);
  });

  it('without load pressure sends every task of a key to the same agent, and spreads keys over the fleet', () => {
    const ids = Array.from({ length: 10 }, (_, i) => `agent-${i}`);
    const h = new Harness({ strategy: 'consistent-hash', config: { binding: 'early' }, agents: ids.map((id) => ({ id })) });
    const draw = seedrandom('keys');
    const home = new Map<string, string>();
    for (let i = 0; i < 400; i++) {
      const key = `module-${Math.floor(draw() * 40)}`;
      h.submit({ id: `t${i}`, contextKey: key });
      const agent = h.engine.agents[h.engine.task(`t${i}`)!.agentIndex]!.spec.id;
      expect(agent, `task t${i} of ${key}`).toBe(home.get(key) ?? agent);
      home.set(key, agent);
      expect(agent).toBe(walkOrder(key, ids)[0]);
      h.drive();
      h.finish(`t${i}`);
    }
    expect(new Set(home.values()).size).toBeGreaterThanOrEqual(6);
    h.assertAll();
  });

  it('keeps a hot key on its agent until the bound, then spills clockwise; no agent ever exceeds the bound', () => {
    const ids = Array.from({ length: 8 }, (_, i) => `agent-${i}`);
    const h = new Harness({ strategy: 'consistent-hash', config: { binding: 'early' }, agents: ids.map((id) => ({ id })) });
    const walk = walkOrder('hot', ids);
    const byId = (id: string): AgentView => h.agent(id);
    let spilled = 0;
    for (let i = 0; i < 40; i++) {
      const bound = Math.ceil((1.25 * (tasksInHand(h.engine.agents) + 1)) / ids.length);
      const expected = walk.find((id) => byId(id).active + byId(id).queued < bound)!;
      if (expected !== walk[0]) spilled++;
      h.submit({ id: `t${i}`, contextKey: 'hot' });
      expect(h.engine.agents[h.engine.task(`t${i}`)!.agentIndex]!.spec.id, `task ${i}, bound ${bound}`).toBe(expected);
      for (const agent of h.engine.agents) expect(agent.active + agent.queued, agent.spec.id).toBeLessThanOrEqual(bound);
    }
    // The home agent keeps ⌈1.25 × 40 / 8⌉ = 7 of the 40; the rest spilled along the walk.
    expect(byId(walk[0]!).active + byId(walk[0]!).queued).toBe(7);
    expect(spilled).toBe(33);
  });

  it('with a very large load factor is plain consistent hashing: a hot key piles up on one agent', () => {
    const ids = Array.from({ length: 8 }, (_, i) => `agent-${i}`);
    const h = new Harness({ strategy: consistentHash({ loadFactor: 1000 }), config: { binding: 'early' }, agents: ids.map((id) => ({ id })) });
    for (let i = 0; i < 40; i++) h.submit({ id: `t${i}`, contextKey: 'hot' });
    expect(h.agent(walkOrder('hot', ids)[0]!).queued).toBe(39);
  });

  it('places a task without a contextKey by the hash of its id', () => {
    const agents = handAgents(Array.from({ length: 8 }, () => ({ capacity: 100 })));
    const strategy = consistentHash();
    const ctx = introduce(strategy, handContext(agents, 'late'));
    const chosen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const byId = strategy.pickAgent(handTask(`job-${i}`), ctx)!.index;
      expect(strategy.pickAgent(handTask('other', { contextKey: `job-${i}` }), ctx)!.index).toBe(byId);
      chosen.add(byId);
    }
    expect(chosen.size).toBe(8);
  });

  it('under late binding walks past an agent without a free slot, and returns once it frees', () => {
    const agents = handAgents(Array.from({ length: 6 }, () => ({ capacity: 1 })));
    const strategy = consistentHash();
    const ctx = introduce(strategy, handContext(agents, 'late'));
    const walk = walkOrder('k', agents.map((a) => a.spec.id));
    const home = agents.find((a) => a.spec.id === walk[0])!;
    expect(strategy.pickAgent(handTask('t', { contextKey: 'k' }), ctx)).toBe(home);
    setLoad(strategy, ctx, home, { active: 1 });
    expect(strategy.pickAgent(handTask('t', { contextKey: 'k' }), ctx)!.spec.id).toBe(walk[1]);
    setLoad(strategy, ctx, home, { active: 0 });
    expect(strategy.pickAgent(handTask('t', { contextKey: 'k' }), ctx)).toBe(home);
  });

  it('under late binding gives the task to a free agent over the bound when no free agent is under it', () => {
    // 6 tasks over 2 agents: bound ⌈1.25 × 7 / 2⌉ = 5. Agent 0 holds 5 (at the bound) but is the
    // only one with a free slot; agent 1 is full.
    const agents = handAgents([{ capacity: 10, active: 5 }, { capacity: 1, active: 1 }]);
    const strategy = consistentHash();
    const ctx = introduce(strategy, handContext(agents, 'late'));
    for (let i = 0; i < 20; i++) expect(strategy.pickAgent(handTask('t', { contextKey: `k${i}` }), ctx)!.index).toBe(0);
    setLoad(strategy, ctx, agents[0]!, { active: 10 });
    expect(strategy.pickAgent(handTask('t', { contextKey: 'k' }), ctx)).toBeUndefined();
  });

  it('moves only the keys of the arcs that change when an agent joins or leaves', () => {
    const agents: HandAgent[] = handAgents(Array.from({ length: 10 }, () => ({ capacity: 1000 })));
    const strategy = consistentHash();
    const ctx = introduce(strategy, handContext(agents, 'early'));
    const keys = Array.from({ length: 3000 }, (_, i) => `session-${i}`);
    const place = (): number[] => keys.map((key) => strategy.pickAgent(handTask('t', { contextKey: key }), ctx)!.index);
    const before = place();
    const newcomer = handAgent(10, { capacity: 1000 });
    agents.push(newcomer);
    strategy.onAgentJoined!(newcomer, ctx);
    const afterJoin = place();
    const moved = keys.filter((_, i) => afterJoin[i] !== before[i]);
    expect(keys.every((_, i) => afterJoin[i] === before[i] || afterJoin[i] === 10), 'keys move only to the newcomer').toBe(true);
    expect(moved.length / keys.length).toBeGreaterThan(0.04); // about 1/11 of them
    expect(moved.length / keys.length).toBeLessThan(0.15);
    setLoad(strategy, ctx, agents[3]!, { accepting: false });
    const afterLeave = place();
    expect(keys.every((_, i) => afterLeave[i] === afterJoin[i] || afterJoin[i] === 3), 'only the leaver\'s keys move').toBe(true);
    expect(afterLeave.includes(3)).toBe(false);
  });

  it('places keys by agent id, not by fleet position', () => {
    const ids = ['alpha', 'beta', 'gamma', 'delta'];
    const fleet = (order: readonly string[]): AgentView[] => order.map((id, i) => idleAgentView(agentSpec({ id, capacity: 100 }), i));
    const forward = fleet(ids);
    const backward = fleet([...ids].reverse());
    const s1 = consistentHash();
    const s2 = consistentHash();
    const c1 = introduce(s1, handContext(forward, 'early'));
    const c2 = introduce(s2, handContext(backward, 'early'));
    for (let i = 0; i < 300; i++) {
      const task = handTask('t', { contextKey: `k${i}` });
      expect(s1.pickAgent(task, c1)!.spec.id).toBe(s2.pickAgent(task, c2)!.spec.id);
    }
  });

  it('picks what walking the ring point by point picks, on random fleets, loads, joins, leaves and keys, under both bindings', () => {
    type Op =
      | { readonly kind: 'load'; readonly agent: number; readonly active: number; readonly queued: number }
      | { readonly kind: 'accepting'; readonly agent: number; readonly accepting: boolean }
      | { readonly kind: 'join'; readonly capacity: number }
      | { readonly kind: 'pick'; readonly key: number };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('load' as const), agent: fc.nat(), active: fc.nat(4), queued: fc.nat(3) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('accepting' as const), agent: fc.nat(), accepting: fc.boolean() }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('join' as const), capacity: fc.integer({ min: 1, max: 4 }) }) },
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('pick' as const), key: fc.nat(500) }) },
    );
    const caseArb = fc.record({
      binding: fc.constantFrom<Binding>('late', 'early'),
      virtualNodes: fc.integer({ min: 1, max: 40 }),
      loadFactor: fc.constantFrom(1, 1.1, 1.25, 2, 1000),
      capacities: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 30 }),
      ops: fc.array(opArb, { minLength: 30, maxLength: 120 }),
    });
    /** The definition: walk the accepting agents' points by (hash, index) from the key's hash. */
    const walkPick = (agents: readonly AgentView[], binding: Binding, virtualNodes: number, loadFactor: number, key: string): number => {
      const members = agents.filter((a) => a.accepting);
      const eligible = members.filter((a) => isEligible(a, binding));
      if (eligible.length === 0) return -1;
      const bound = Math.ceil((loadFactor * (tasksInHand(members) + 1)) / members.length);
      const anyUnderBound = eligible.some((a) => a.active + a.queued < bound);
      const points = members.flatMap((a) => Array.from({ length: virtualNodes }, (_, k) => ({ hash: ringHash(`${a.spec.id}#${k}`), agent: a })));
      points.sort((x, y) => x.hash - y.hash || x.agent.index - y.agent.index);
      const start = Math.max(0, points.findIndex((p) => p.hash >= ringHash(key)));
      for (let step = 0; step < points.length; step++) {
        const { agent } = points[(start + step) % points.length]!;
        if (isEligible(agent, binding) && (!anyUnderBound || agent.active + agent.queued < bound)) return agent.index;
      }
      throw new Error('no eligible point');
    };
    fc.assert(
      fc.property(caseArb, ({ binding, virtualNodes, loadFactor, capacities, ops }) => {
        const agents = handAgents(capacities.map((capacity) => ({ capacity })));
        const strategy = consistentHash({ virtualNodes, loadFactor });
        const ctx = introduce(strategy, handContext(agents, binding));
        for (const op of ops) {
          if (op.kind === 'load') {
            const agent = agents[op.agent % agents.length]!;
            setLoad(strategy, ctx, agent, { active: Math.min(op.active, agent.spec.capacity), queued: binding === 'early' ? op.queued : 0 });
          } else if (op.kind === 'accepting') {
            setLoad(strategy, ctx, agents[op.agent % agents.length]!, { accepting: op.accepting });
          } else if (op.kind === 'join') {
            const agent = handAgent(agents.length, { capacity: op.capacity });
            agents.push(agent);
            strategy.onAgentJoined!(agent, ctx);
          } else {
            const key = `k${op.key}`;
            const expected = walkPick(agents, binding, virtualNodes, loadFactor, key);
            const picked = strategy.pickAgent(handTask('t', { contextKey: key }), ctx);
            expect(picked?.index ?? -1, `key ${key}`).toBe(expected);
          }
        }
      }),
      { seed: 23, numRuns: 300 },
    );
  });
});
