/**
 * The agent indexes behind the O(log n) strategies, against naive models: every operation
 * sequence fast-check draws leaves the structure agreeing with a plain array or set.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Binding } from '../../src/engine/strategy.js';
import { AgentQueue, AgentSet, EligibleHeap, IndexedMinHeap } from '../../src/strategies/agentIndex.js';
import { tasksPerSlot } from '../../src/strategies/pipeline/estimates.js';
import { handAgent, type HandAgent } from '../support/handFleet.js';

type Op = { readonly kind: 'set'; readonly agent: number; readonly key: number } | { readonly kind: 'delete'; readonly agent: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('set' as const), agent: fc.nat(40), key: fc.integer({ min: -3, max: 6 }).map((k) => k / 2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), agent: fc.nat(40) }) },
);

/**
 * Applies `op` to the heap and to its model (agent → key), then checks the heap's first member,
 * size and first key against the model's (toBe is Object.is: a -0 key must come back as -0).
 */
function applyAndCompare(heap: IndexedMinHeap, model: Map<number, number>, op: Op): void {
  if (op.kind === 'set') {
    heap.set(op.agent, op.key);
    model.set(op.agent, op.key);
  } else {
    heap.delete(op.agent);
    model.delete(op.agent);
  }
  let best = -1;
  for (const [agent, key] of model) if (best < 0 || key < model.get(best)! || (key === model.get(best)! && agent < best)) best = agent;
  expect(heap.peek()).toBe(best);
  expect(heap.size).toBe(model.size);
  if (best >= 0) expect(heap.peekKey()).toBe(model.get(best));
}

describe('IndexedMinHeap', () => {
  it('always yields the member with the smallest key, ties to the lowest index, through inserts, key changes and deletes', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => {
        const heap = new IndexedMinHeap();
        const model = new Map<number, number>();
        for (const op of ops) {
          applyAndCompare(heap, model, op);
          heap.assertValid();
        }
        for (let agent = 0; agent <= 41; agent++) expect(heap.has(agent)).toBe(model.has(agent));
        for (const [agent, key] of model) expect(heap.keyOf(agent)).toBe(key);
      }),
      { seed: 31, numRuns: 300 },
    );
  });

  it('orders members with key 0 (held apart from the heap) among the others as any member, -0 included, over a fleet of thousands', () => {
    // Mostly +0 keys, as least-connections' idle agents under late binding; -0 equals 0 in the
    // order but keeps its sign; indices spread over several summary words of the zero set.
    const key = fc.constantFrom(0, 0, 0, -0, 0.5, -0.5, 1);
    const zeroOp: fc.Arbitrary<Op> = fc.oneof(
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('set' as const), agent: fc.nat(5000), key }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), agent: fc.nat(5000) }) },
    );
    fc.assert(
      fc.property(fc.array(zeroOp, { maxLength: 300 }), (ops) => {
        const heap = new IndexedMinHeap();
        const model = new Map<number, number>();
        for (const op of ops) applyAndCompare(heap, model, op);
        heap.assertValid();
        for (const [agent, k] of model) expect(heap.keyOf(agent)).toBe(k);
        for (const agent of [...model.keys()].slice(0, 50)) expect(heap.has(agent)).toBe(true);
      }),
      { seed: 13, numRuns: 200 },
    );
  });

  it('assertValid finds a member of the zero set whose position puts it in the heap', () => {
    const heap = new IndexedMinHeap();
    heap.set(3, 0);
    heap.set(4, 1);
    expect(() => heap.assertValid()).not.toThrow();
    // White-box: the position map is private.
    (heap as unknown as { position: Int32Array }).position[3] = 0;
    expect(() => heap.assertValid()).toThrow(/agent 3's position and the set of heap members disagree/);
  });

  it('assertValid finds a heap member whose position was lost', () => {
    const heap = new IndexedMinHeap();
    heap.set(4, 1);
    heap.set(5, 2);
    (heap as unknown as { position: Int32Array }).position[5] = -1;
    expect(() => heap.assertValid()).toThrow(/heap members disagree|its position says/);
  });

  it('is empty at first and refuses NaN keys', () => {
    const heap = new IndexedMinHeap();
    expect(heap.peek()).toBe(-1);
    expect(heap.peekKey()).toBeNaN();
    expect(() => heap.set(0, Number.NaN)).toThrow(/NaN/);
    expect(() => heap.set(-1, 0)).toThrow(/agent index/);
  });

  it('grows past its initial storage for large agent indices', () => {
    const heap = new IndexedMinHeap();
    const agents: number[] = [];
    for (let agent = 5000; agent > 0; agent -= 7) agents.push(agent); // 5000, 4993, … (all ≡ 2 mod 7)
    for (const agent of agents) heap.set(agent, agent % 13);
    heap.assertValid();
    // Key 0 belongs to the multiples of 13 among them; the lowest is 65 (65 = 9·7 + 2).
    expect(heap.peek()).toBe(Math.min(...agents.filter((a) => a % 13 === 0)));
    expect(heap.peek()).toBe(65);
  });
});

/** A change of one agent's load (then synced), or a read of the index. */
type EligibleOp =
  | { readonly kind: 'load'; readonly agent: number; readonly active: number; readonly queued: number; readonly accepting: boolean; readonly deferred: boolean }
  | { readonly kind: 'best' | 'bestKey' | 'size' }
  | { readonly kind: 'has' | 'bestOther'; readonly agent: number };

const FLEET = 12;
const eligibleOpArb: fc.Arbitrary<EligibleOp> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('load' as const),
      agent: fc.nat(FLEET - 1),
      active: fc.nat(3),
      queued: fc.nat(2),
      accepting: fc.nat(5).map((n) => n > 0), // mostly accepting
      deferred: fc.nat(3).map((n) => n > 0), // mostly deferred
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('best' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('bestKey' as const, 'size' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('has' as const, 'bestOther' as const), agent: fc.nat(FLEET - 1) }) },
);

describe('EligibleHeap', () => {
  it('answers every read as an eagerly kept index would, though it brings deferred agents in lazily', () => {
    fc.assert(
      fc.property(fc.constantFrom<Binding>('late', 'early'), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: FLEET, maxLength: FLEET }), fc.array(eligibleOpArb, { minLength: 20, maxLength: 300, size: 'large' }), (binding, capacities, ops) => {
        const agents: HandAgent[] = capacities.map((capacity, i) => handAgent(i, { capacity }));
        const index = new EligibleHeap(tasksPerSlot);
        // The eager model: each agent's rank as of its last sync, or undefined when not eligible.
        const ranks = new Map<number, number>();
        const syncBoth = (agent: HandAgent, deferred = false): void => {
          if (deferred) index.defer(agent, binding);
          else index.sync(agent, binding);
          const eligible = binding === 'late' ? agent.accepting && agent.active < agent.spec.capacity : agent.accepting;
          if (eligible) ranks.set(agent.index, tasksPerSlot(agent));
          else ranks.delete(agent.index);
        };
        const modelBest = (passedOver = -1): number => {
          let best = -1;
          for (const [agent, rank] of ranks) {
            if (agent === passedOver) continue;
            if (best < 0 || rank < ranks.get(best)! || (rank === ranks.get(best)! && agent < best)) best = agent;
          }
          return best;
        };
        for (const agent of agents) syncBoth(agent);
        for (const op of ops) {
          switch (op.kind) {
            case 'load': {
              const agent = agents[op.agent]!;
              agent.active = Math.min(op.active, agent.spec.capacity);
              agent.queued = op.queued;
              agent.accepting = op.accepting;
              syncBoth(agent, op.deferred);
              break;
            }
            case 'best':
              expect(index.best(agents)?.index ?? -1).toBe(modelBest());
              break;
            case 'bestKey': {
              const best = modelBest();
              expect(index.bestKey()).toBe(best < 0 ? Number.NaN : ranks.get(best));
              break;
            }
            case 'size':
              expect(index.size).toBe(ranks.size);
              break;
            case 'has':
              expect(index.has(op.agent)).toBe(ranks.has(op.agent));
              break;
            case 'bestOther': {
              const best = modelBest();
              expect(index.bestOther(agents, op.agent)?.index ?? -1).toBe(best === op.agent ? modelBest(op.agent) : best);
              break;
            }
          }
        }
        index.assertValid();
      }),
      { seed: 34, numRuns: 300 },
    );
  });

  it('picks the agent that just freed a slot and leaves it out once it takes the slot again, within one input', () => {
    // Late binding, every agent busy: a finish frees agent 2, the queued task takes it at once.
    const agents = [0, 1, 2, 3].map((i) => handAgent(i, { active: 1 }));
    const index = new EligibleHeap(tasksPerSlot);
    for (const agent of agents) index.sync(agent, 'late');
    expect(index.best(agents)).toBeUndefined();
    agents[2]!.active = 0;
    index.defer(agents[2]!, 'late');
    expect(index.best(agents)?.index).toBe(2);
    agents[2]!.active = 1;
    index.defer(agents[2]!, 'late');
    expect(index.best(agents)).toBeUndefined();
    agents[0]!.active = 0;
    index.defer(agents[0]!, 'late');
    expect(index.best(agents)?.index).toBe(0);
    expect(index.size).toBe(1);
  });
});

describe('AgentSet', () => {
  it('holds exactly the agents added and not deleted, each at one position', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(30)), { maxLength: 200 }), (ops) => {
        const set = new AgentSet();
        const model = new Set<number>();
        for (const [add, agent] of ops) {
          set.setMember(agent, add);
          if (add) model.add(agent);
          else model.delete(agent);
        }
        const members = Array.from({ length: set.size }, (_, i) => set.at(i));
        expect(new Set(members)).toEqual(model);
        expect(members.length).toBe(model.size);
      }),
      { seed: 32, numRuns: 300 },
    );
  });

  it('swaps positions and swaps back to the same order', () => {
    const set = new AgentSet();
    for (const agent of [4, 9, 2, 7]) set.add(agent);
    set.swap(0, 3);
    expect([0, 1, 2, 3].map((i) => set.at(i))).toEqual([7, 9, 2, 4]);
    set.delete(4); // at position 3 after the swap
    expect([0, 1, 2].map((i) => set.at(i))).toEqual([7, 9, 2]);
    expect(() => set.at(3)).toThrow(/out of range/);
  });
});

describe('AgentQueue', () => {
  it('keeps members in order of their last push, with removal anywhere', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(20)), { maxLength: 200 }), (ops) => {
        const queue = new AgentQueue();
        const model: number[] = [];
        for (const [push, agent] of ops) {
          const at = model.indexOf(agent);
          if (at >= 0) model.splice(at, 1);
          if (push) {
            queue.push(agent);
            model.push(agent);
          } else {
            queue.delete(agent);
          }
          expect(queue.peek()).toBe(model[0] ?? -1);
        }
        expect(queue.toArray()).toEqual(model);
        expect(queue.size).toBe(model.length);
      }),
      { seed: 33, numRuns: 300 },
    );
  });
});
