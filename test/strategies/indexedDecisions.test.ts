/**
 * The indexed strategies decide without scanning the fleet: with 1,000 agents, after the hooks
 * (and the first decision) have built their indexes, a decision reads at most a few dozen entries of `fleet.agents`
 * (counted through a Proxy), under both bindings, while loads keep changing. The
 * `skill-weighted` strategy, which scans, is the control that shows the counter counts.
 */
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import type { AgentView } from '../../src/engine/agent.js';
import type { DecisionContext } from '../../src/engine/strategy.js';
import { createStrategy } from '../support/harness.js';
import { handAgent, handContext, handTask, introduce, setLoad, type HandAgent } from '../support/handFleet.js';

const AGENTS = 1000;
const DECISIONS = 300;
const MAX_READS = 64;
const INDEXED = ['random', 'least-connections', 'join-shortest-queue', 'power-of-d', 'join-idle-queue', 'consistent-hash', 'cache-aware', 'work-stealing', 'context-batching'];

/** A fleet at a busy steady state: capacities 1–4, about 80% of slots taken, a few agents gone. */
function busyFleet(draw: () => number): HandAgent[] {
  return Array.from({ length: AGENTS }, (_, i) => {
    const capacity = 1 + Math.floor(draw() * 4);
    const accepting = draw() > 0.02;
    const active = accepting ? Math.min(capacity, Math.floor(draw() * (capacity + 1.25))) : 0;
    const queued = accepting && active === capacity ? Math.floor(draw() * 3) : 0;
    return handAgent(i, { capacity, active, queued, accepting });
  });
}

/** `ctx` with `fleet.agents` behind a Proxy that counts index reads into `counter.reads`. */
function counting(ctx: DecisionContext, counter: { reads: number }): DecisionContext {
  const agents = new Proxy(ctx.fleet.agents as AgentView[], {
    get(target, property, receiver) {
      if (typeof property === 'string' && /^\d+$/.test(property)) counter.reads++;
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
  return { ...ctx, fleet: { ...ctx.fleet, agents } };
}

/** Most `fleet.agents` reads in one decision, over decisions interleaved with load changes. */
function maxReadsPerDecision(name: string, binding: 'late' | 'early'): number {
  const draw = seedrandom(`${name}/${binding}`);
  const agents = busyFleet(draw);
  const strategy = createStrategy(name);
  const counter = { reads: 0 };
  const ctx = counting(introduce(strategy, handContext(agents, binding, draw)), counter);
  let most = 0;
  for (let i = 0; i < DECISIONS; i++) {
    const key = draw() < 0.8 ? `key-${Math.floor(draw() * 200)}` : undefined;
    const task = handTask(`t${i}`, key === undefined ? {} : { contextKey: key });
    counter.reads = 0;
    const picked = strategy.pickAgent(task, ctx);
    // The first decision may build an index (context-batching indexes a task type on first sight).
    if (i > 0) most = Math.max(most, counter.reads);
    if (picked === undefined) continue;
    // The engine binds the pick and reports the new load; another agent frees a slot.
    strategy.onAssign?.(task, picked, ctx);
    const agent = agents[picked.index]!;
    setLoad(strategy, ctx, agent, agent.active < agent.spec.capacity ? { active: agent.active + 1 } : { queued: agent.queued + 1 });
    const other = agents[Math.floor(draw() * AGENTS)]!;
    if (other.accepting && other.active > 0) setLoad(strategy, ctx, other, other.queued > 0 ? { queued: other.queued - 1 } : { active: other.active - 1 });
  }
  return most;
}

describe('decisions of the indexed strategies do not scan the fleet', () => {
  for (const name of INDEXED) {
    for (const binding of ['late', 'early'] as const) {
      it(`${name} (${binding} binding) reads at most ${MAX_READS} of ${AGENTS} agents per decision`, () => {
        expect(maxReadsPerDecision(name, binding)).toBeLessThanOrEqual(MAX_READS);
      });
    }
  }

  it('the counter counts: skill-weighted, which scans, reads every agent on every decision', () => {
    expect(maxReadsPerDecision('skill-weighted', 'early')).toBeGreaterThanOrEqual(AGENTS);
  });
});
