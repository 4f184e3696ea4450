/**
 * power-of-d: d distinct uniform samples among the eligible agents, the one with the fewest
 * tasks wins, ties to the one sampled first. Stochastic checks use fixed seeds and binomial
 * tolerances (4 standard deviations).
 */
import fc from 'fast-check';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { findStrategy } from '../../src/strategies/index.js';
import type { AgentView } from '../../src/engine/agent.js';
import type { DecisionContext, Strategy } from '../../src/engine/strategy.js';
import { Harness } from '../support/harness.js';
import { handAgents, handContext, handTask, introduce } from '../support/handFleet.js';

function powerOfD(params: Record<string, unknown> = {}): Strategy {
  const definition = findStrategy('power-of-d')!;
  return definition.create(definition.params.parse(params));
}

/** Counts of picks per agent index over `n` decisions. */
function pickCounts(strategy: Strategy, ctx: ReturnType<typeof handContext>, n: number): number[] {
  const counts = new Array<number>(ctx.fleet.agents.length).fill(0);
  for (let i = 0; i < n; i++) counts[strategy.pickAgent(handTask(`t${i}`), ctx)!.index]!++;
  return counts;
}

/** `ctx` with a fleet whose agents record the fleet positions the strategy reads, in `reads`. */
function recordingReads(ctx: DecisionContext, reads: number[]): DecisionContext {
  const agents = new Proxy(ctx.fleet.agents, {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key)) reads.push(Number(key));
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  return { ...ctx, fleet: { ...ctx.fleet, agents } };
}

/**
 * The rule as first written: a partial Fisher–Yates shuffle of a copy of the eligible agents
 * (in the order they joined), reading every drawn agent; ties to the one drawn first.
 */
function referencePick(eligible: readonly AgentView[], d: number, random: () => number): AgentView | undefined {
  const members = [...eligible];
  let best: AgentView | undefined;
  for (let i = 0; i < Math.min(d, members.length); i++) {
    const partner = i + Math.floor(random() * (members.length - i));
    [members[i], members[partner]] = [members[partner]!, members[i]!];
    const agent = members[i]!;
    if (best === undefined || agent.active + agent.queued < best.active + best.queued) best = agent;
  }
  return best;
}

function expectBinomial(count: number, n: number, p: number, label: string): void {
  const sd = Math.sqrt(n * p * (1 - p));
  expect(Math.abs(count - n * p), `${label}: ${count} of ${n}, expected ${n * p}`).toBeLessThanOrEqual(Math.max(4 * sd, 0));
}

describe('power-of-d', () => {
  it('defaults to d = 2 and rejects d < 1', () => {
    const params = findStrategy('power-of-d')!.params;
    expect(params.parse({})).toEqual({ d: 2 });
    expect(params.safeParse({ d: 0 }).success).toBe(false);
    expect(params.safeParse({ d: 1.5 }).success).toBe(false);
  });

  it('with d = 2 picks the agent of rank r (fewest tasks first) with probability 2(n − r)/(n(n − 1))', () => {
    // Five accepting agents with 0..4 tasks in hand, early binding.
    const agents = handAgents([0, 1, 2, 3, 4].map((queued) => ({ active: 1, queued })));
    const strategy = powerOfD();
    const ctx = introduce(strategy, handContext(agents, 'early', seedrandom('ranks')));
    const n = 20_000;
    const counts = pickCounts(strategy, ctx, n);
    // The better of two distinct uniform samples: rank r wins against the n − r worse ones.
    [0.4, 0.3, 0.2, 0.1].forEach((p, rank) => expectBinomial(counts[rank]!, n, p, `rank ${rank + 1}`));
    expect(counts[4], 'the busiest agent never wins a comparison').toBe(0);
  });

  it('with d equal to the eligible count always finds the least loaded agent', () => {
    const agents = handAgents([{ active: 1, queued: 2 }, { active: 1 }, { active: 1, queued: 1 }, { active: 1, queued: 5 }]);
    const strategy = powerOfD({ d: 4 });
    const ctx = introduce(strategy, handContext(agents, 'early', seedrandom('all')));
    expect(new Set(pickCounts(strategy, ctx, 200).flatMap((c, i) => (c > 0 ? [i] : [])))).toEqual(new Set([1]));
  });

  it('breaks a tie in favour of the agent sampled first, not the lower index', () => {
    const agents = handAgents([{}, {}, {}, {}]);
    const strategy = powerOfD();
    const draws = [0.9, 0.0];
    const ctx = introduce(strategy, handContext(agents, 'early', () => draws.shift()!));
    // First draw: position ⌊0.9 × 4⌋ = 3 (agent 3); second: position 1 + ⌊0 × 3⌋ = 1 (agent 1).
    expect(strategy.pickAgent(handTask('t'), ctx)!.index).toBe(3);
    expect(draws).toEqual([]);
  });

  it('spreads ties uniformly: among idle agents every agent is picked equally often', () => {
    const agents = handAgents([{}, {}, {}, {}, {}]);
    const strategy = powerOfD();
    const ctx = introduce(strategy, handContext(agents, 'late', seedrandom('uniform')));
    const n = 10_000;
    pickCounts(strategy, ctx, n).forEach((count, i) => expectBinomial(count, n, 1 / 5, `agent ${i}`));
  });

  it('samples only agents with a free slot under late binding, and draws once when one is left', () => {
    const agents = handAgents([{ active: 1 }, { capacity: 2, active: 1 }, { active: 1 }, { accepting: false }]);
    const strategy = powerOfD();
    let draws = 0;
    const ctx = introduce(strategy, handContext(agents, 'late', () => (draws++, 0.5)));
    expect(strategy.pickAgent(handTask('t'), ctx)!.index).toBe(1);
    expect(draws).toBe(1);
  });

  it('after an agent with no tasks in hand takes the remaining draws but reads no more agents', () => {
    const agents = handAgents([{}, {}, {}, {}]);
    const strategy = powerOfD({ d: 3 });
    const draws = [0.9, 0.0, 0.5];
    const reads: number[] = [];
    const ctx = recordingReads(introduce(strategy, handContext(agents, 'late', () => draws.shift()!)), reads);
    expect(strategy.pickAgent(handTask('t'), ctx)!.index).toBe(3);
    expect(draws, 'the random stream advances by d whatever is read').toEqual([]);
    expect(reads).toEqual([3]);
  });

  it('reads every drawn agent while none of them is idle', () => {
    const agents = handAgents([{ active: 1, queued: 2 }, { active: 1 }, { active: 1, queued: 1 }, { active: 1, queued: 5 }]);
    const strategy = powerOfD({ d: 3 });
    const draws = [0.9, 0.0, 0.0];
    const reads: number[] = [];
    const ctx = recordingReads(introduce(strategy, handContext(agents, 'early', () => draws.shift()!)), reads);
    // Positions 3 (agent 3), then 1 + 0 = 1 (agent 1), then 2 + 0 = 2 (agent 2): agent 1 has the fewest.
    expect(strategy.pickAgent(handTask('t'), ctx)!.index).toBe(1);
    expect(reads).toEqual([3, 1, 2]);
  });

  it('picks as a full partial shuffle of the eligible agents would, and a pick leaves the set as it was', () => {
    const loadArb = fc.record({ active: fc.integer({ min: 0, max: 2 }), queued: fc.integer({ min: 0, max: 3 }), accepting: fc.boolean() });
    fc.assert(
      fc.property(fc.array(loadArb, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 5 }), fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 60, maxLength: 60 }), (loads, d, stream) => {
        const agents = handAgents(loads.map((load) => ({ ...load, capacity: 3 })));
        const strategy = powerOfD({ d });
        const strategyDraws = [...stream];
        const referenceDraws = [...stream];
        const ctx = introduce(strategy, handContext(agents, 'early', () => strategyDraws.shift() ?? 0));
        const eligible = agents.filter((agent) => agent.accepting);
        for (let pick = 0; pick < 60 / d; pick++) {
          const expected = referencePick(eligible, d, () => referenceDraws.shift() ?? 0);
          expect(strategy.pickAgent(handTask(`t${pick}`), ctx)?.index).toBe(expected?.index);
          expect(strategyDraws.length).toBe(referenceDraws.length);
        }
      }), { seed: 1 },
    );
  });

  it('with d = 1 is random routing: picks spread uniformly whatever the loads', () => {
    const agents = handAgents([{ active: 1, queued: 9 }, {}, { active: 1, queued: 3 }]);
    const strategy = powerOfD({ d: 1 });
    const ctx = introduce(strategy, handContext(agents, 'early', seedrandom('d1')));
    const n = 9000;
    pickCounts(strategy, ctx, n).forEach((count, i) => expectBinomial(count, n, 1 / 3, `agent ${i}`));
  });

  it('keeps queues short through the engine: with d = n under early binding the queues stay level', () => {
    const h = new Harness({ strategy: powerOfD({ d: 3 }), config: { binding: 'early' }, agents: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] });
    for (let i = 0; i < 9; i++) h.submit({ id: `t${i}` });
    expect(h.engine.agents.map((a) => a.active + a.queued)).toEqual([3, 3, 3]);
  });
});
