/**
 * One contract suite run against every registered strategy (Hono's `common.case.test.ts`
 * pattern), then each strategy's own behaviour. A strategy that may not meet a clause must be
 * listed in {@link EXEMPTIONS} with the reason; no clause is skipped silently.
 */
import fc from 'fast-check';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { hasFreeSlot, type AgentView } from '../../src/engine/agent.js';
import { idleAgentView, taskViewOf } from '../support/views.js';
import type { Binding, DecisionContext, Strategy } from '../../src/engine/strategy.js';
import type { TaskView } from '../../src/engine/task.js';
import { STRATEGIES, findStrategy, strategyNames } from '../../src/strategies/index.js';
import { Harness, OK, agentSpec, createStrategy, eventLog, taskSpec } from '../support/harness.js';
import { introduce } from '../support/handFleet.js';

// ------------------------------------------------------------------ hand-built views

interface AgentShape {
  readonly capacity: number;
  readonly active: number;
  readonly queued: number;
  readonly accepting: boolean;
}

/** An agent view as the engine would show it, built by hand. */
function agentView(index: number, shape: Partial<AgentShape> = {}): AgentView {
  const capacity = shape.capacity ?? 1;
  return idleAgentView(agentSpec({ id: `a${index}`, capacity }), index, {
    accepting: shape.accepting ?? true, active: shape.active ?? 0, queued: shape.queued ?? 0,
  });
}

/** A queued task view, built by hand. */
function taskView(id = 't', priority = 2): TaskView {
  return taskViewOf(taskSpec({ id, priority }));
}

/** A decision context over `agents`, with the fleet totals the engine would keep. */
function context(agents: AgentView[], binding: Binding, random: () => number): DecisionContext {
  const freeSlots = agents.reduce((sum, a) => sum + (a.accepting ? a.spec.capacity - a.active : 0), 0);
  const queuedTasks = agents.reduce((sum, a) => sum + a.queued, 0);
  return { now: 0, random, binding, fleet: { agents, freeSlots, queuedTasks } };
}

function eligible(agent: AgentView, binding: Binding): boolean {
  return binding === 'late' ? hasFreeSlot(agent) : agent.accepting;
}

const shapeArb: fc.Arbitrary<AgentShape> = fc
  .record({ capacity: fc.integer({ min: 1, max: 4 }), used: fc.integer({ min: 0, max: 4 }), queued: fc.integer({ min: 0, max: 5 }), accepting: fc.boolean() })
  .map(({ capacity, used, queued, accepting }) => ({ capacity, active: accepting ? Math.min(used, capacity) : 0, queued: accepting ? queued : 0, accepting }));

const fleetArb = fc.array(shapeArb, { minLength: 0, maxLength: 6 }).map((shapes) => shapes.map((s, i) => agentView(i, s)));

// ------------------------------------------------------------------ engine workloads

interface Workload {
  readonly binding: Binding;
  readonly seed: string;
  /** Make agents leave and join mid-run. */
  readonly churn: boolean;
}

/**
 * A mixed workload on a small fleet: tasks of every priority, some failures, an agent leaving
 * and another joining; every start answered, every attempt finished. Returns the harness.
 */
function runWorkload(strategy: string, workload: Workload): Harness {
  const h = new Harness({
    strategy, seed: workload.seed, config: { binding: workload.binding },
    agents: [{ id: 'a', capacity: 2 }, { id: 'b' }, { id: 'c', capacity: 3 }],
  });
  const draw = seedrandom(`${workload.seed}/workload`);
  for (let i = 0; i < 60; i++) {
    h.submit({ id: `t${i}`, priority: Math.floor(draw() * 5), tokens: 100 + Math.floor(draw() * 900) });
    h.driveBounded(1000);
    for (const attempt of h.liveAttempts()) {
      if (attempt.phase === 'started' && draw() < 0.3) h.finish(attempt.taskId, draw() < 0.9 ? OK : { ok: false, reason: 'agent-error' });
    }
    if (workload.churn && i === 20) h.leave('b');
    if (workload.churn && i === 35) h.join({ id: 'd', capacity: 2 });
    h.advance(draw());
    h.assertAll();
  }
  h.runUntilQuiet();
  h.assertAll();
  return h;
}

/**
 * Clauses a strategy may be exempt from, with the reason (none today). The key is
 * `${strategy}: ${clause}`.
 */
const EXEMPTIONS: Readonly<Record<string, string>> = {};

function clause(strategy: string, name: string): typeof it | typeof it.skip {
  return EXEMPTIONS[`${strategy}: ${name}`] === undefined ? it : it.skip;
}

// ------------------------------------------------------------------ the contract

describe('the strategy registry', () => {
  it('lists round-robin, random and least-connections first, every name once, each resolved by findStrategy', () => {
    const names = strategyNames();
    expect(names.slice(0, 3)).toEqual(['round-robin', 'random', 'least-connections']);
    expect(new Set(names).size).toBe(names.length);
    for (const definition of STRATEGIES) {
      expect(findStrategy(definition.name)).toBe(definition);
      expect(definition.description.length).toBeGreaterThan(0);
      expect(definition.create(definition.params.parse({})).name).toBe(definition.name);
    }
    expect(findStrategy('no-such-strategy')).toBeUndefined();
  });

  it('has a reason for every exemption', () => {
    for (const [key, reason] of Object.entries(EXEMPTIONS)) expect(reason.trim().length, key).toBeGreaterThan(10);
  });
});

describe.each(STRATEGIES.map((d) => d.name))('strategy contract: %s', (name) => {
  it('creates a fresh instance each time and rejects unknown parameters', () => {
    const definition = findStrategy(name)!;
    expect(definition.create(definition.params.parse({}))).not.toBe(definition.create(definition.params.parse({})));
    expect(definition.params.safeParse({ surelyNotAParameter: 1 }).success).toBe(false);
  });

  clause(name, 'late-eligible')('under late binding never picks a full or non-accepting agent, and picks one whenever one has a free slot', () => {
    fc.assert(
      fc.property(fleetArb, fc.integer(), fc.nat(5), (agents, seed, warmup) => {
        const strategy = createStrategy(name);
        const ctx = introduce(strategy, context(agents, 'late', seedrandom(String(seed))));
        // Let stateful strategies move on first, through their hooks, as the engine would.
        for (let i = 0; i < warmup && agents.length > 0; i++) strategy.onAssign?.(taskView(`w${i}`), agents[i % agents.length]!, ctx);
        const picked = strategy.pickAgent(taskView(), ctx);
        const anyEligible = agents.some((a) => eligible(a, 'late'));
        if (picked === undefined) return !anyEligible;
        return agents[picked.index] === picked && hasFreeSlot(picked);
      }),
      { seed: 11, numRuns: 300 },
    );
  });

  clause(name, 'early-eligible')('under early binding never picks a non-accepting agent, and picks one whenever one accepts', () => {
    fc.assert(
      fc.property(fleetArb, fc.integer(), fc.nat(5), (agents, seed, warmup) => {
        const strategy = createStrategy(name);
        const ctx = introduce(strategy, context(agents, 'early', seedrandom(String(seed))));
        for (let i = 0; i < warmup && agents.length > 0; i++) strategy.onAssign?.(taskView(`w${i}`), agents[i % agents.length]!, ctx);
        const picked = strategy.pickAgent(taskView(), ctx);
        const anyEligible = agents.some((a) => a.accepting);
        if (picked === undefined) return !anyEligible;
        return agents[picked.index] === picked && picked.accepting;
      }),
      { seed: 12, numRuns: 300 },
    );
  });

  clause(name, 'pick-leaves-no-trace')('leaves no trace when a pick is not used', () => {
    // Two instances see the same decisions; one of them is first asked for picks that the
    // engine then discards (drawing from a separate generator, as a discarded pick would).
    const agents = [agentView(0, { capacity: 2 }), agentView(1), agentView(2, { capacity: 3, active: 1 })];
    const decide = (strategy: Strategy): number[] => {
      const ctx = introduce(strategy, context(agents, 'late', seedrandom('decisions')));
      return Array.from({ length: 20 }, (_, i) => {
        const picked = strategy.pickAgent(taskView(`t${i}`), ctx)!;
        strategy.onAssign?.(taskView(`t${i}`), picked, ctx);
        return picked.index;
      });
    };
    const probed = createStrategy(name);
    const probeCtx = introduce(probed, context(agents, 'late', seedrandom('probes')));
    for (let i = 0; i < 7; i++) probed.pickAgent(taskView(`probe${i}`), probeCtx);
    expect(decide(probed)).toEqual(decide(createStrategy(name)));
  });

  for (const binding of ['late', 'early'] as const) {
    clause(name, 'never-loses')(`never loses a task under ${binding} binding, with failures and churn`, () => {
      const h = runWorkload(name, { binding, seed: `contract-${binding}`, churn: true });
      const counts = h.engine.counts();
      // Every task ends completed, or dead-lettered after four injected failures; none waits.
      expect(counts).toMatchObject({ submitted: 60, expired: 0, cancelled: 0, rejected: 0, inFlight: 0 });
      expect(counts.completed + counts.deadLettered).toBe(60);
      expect(counts.completed).toBeGreaterThan(50);
      expect(h.picks).toBeGreaterThan(0);
    });

    clause(name, 'deterministic')(`is deterministic for a seed under ${binding} binding`, () => {
      const first = eventLog(runWorkload(name, { binding, seed: 'same', churn: true }));
      const second = eventLog(runWorkload(name, { binding, seed: 'same', churn: true }));
      expect(second).toEqual(first);
      expect(first.length).toBeGreaterThan(300);
    });
  }
});

// ------------------------------------------------------------------ own behaviour

/** Agents by index of the starts, in order. */
function startedOn(h: Harness): string[] {
  return h.commandsOf('start').map((c) => c.agentId);
}

describe('round-robin', () => {
  it('cycles through agents in index order under late binding', () => {
    const h = new Harness({ strategy: 'round-robin', agents: [{ id: 'a', capacity: 10 }, { id: 'b', capacity: 10 }, { id: 'c', capacity: 10 }] });
    for (let i = 0; i < 7; i++) h.submit({ id: `t${i}` });
    expect(startedOn(h)).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a']);
  });

  it('cycles through agents in index order under early binding, busy or not', () => {
    const h = new Harness({ strategy: 'round-robin', config: { binding: 'early' }, agents: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] });
    for (let i = 0; i < 6; i++) h.submit({ id: `t${i}` });
    expect(h.engine.agents.map((a) => a.active + a.queued)).toEqual([2, 2, 2]);
    expect([3, 4, 5].map((i) => h.engine.task(`t${i}`)!.agentIndex)).toEqual([0, 1, 2]);
  });

  it('skips a full agent under late binding and resumes after the agent it chose', () => {
    const h = new Harness({ strategy: 'round-robin', agents: [{ id: 'a', capacity: 5 }, { id: 'b' }, { id: 'c', capacity: 5 }] });
    h.submit({ id: 'x' }); // a
    h.submit({ id: 'y' }); // b, now full
    h.submit({ id: 'z' }); // c
    h.submit({ id: 'w' }); // a
    h.submit({ id: 'v' }); // b is full: c
    expect(startedOn(h)).toEqual(['a', 'b', 'c', 'a', 'c']);
  });

  it('wraps past the last agent while skipping a full one', () => {
    const h = new Harness({ strategy: 'round-robin', agents: [{ id: 'a', capacity: 5 }, { id: 'b', capacity: 5 }, { id: 'c' }] });
    for (const id of ['x', 'y', 'z', 'w', 'v']) h.submit({ id }); // a, b, c (now full), a, b
    h.submit({ id: 'u' }); // c's turn, but it is full: back round to a
    expect(startedOn(h)).toEqual(['a', 'b', 'c', 'a', 'b', 'a']);
  });

  it('skips an agent that left', () => {
    const h = new Harness({ strategy: 'round-robin', agents: [{ id: 'a', capacity: 5 }, { id: 'b', capacity: 5 }, { id: 'c', capacity: 5 }] });
    h.leave('b');
    for (let i = 0; i < 4; i++) h.submit({ id: `t${i}` });
    expect(startedOn(h)).toEqual(['a', 'c', 'a', 'c']);
  });

  it('returns undefined when no agent is eligible', () => {
    const strategy = createStrategy('round-robin');
    expect(strategy.pickAgent(taskView(), context([], 'late', seedrandom('x')))).toBeUndefined();
    const full = [agentView(0, { active: 1 }), agentView(1, { accepting: false })];
    expect(strategy.pickAgent(taskView(), context(full, 'late', seedrandom('x')))).toBeUndefined();
    expect(strategy.pickAgent(taskView(), context(full, 'early', seedrandom('x')))!.index).toBe(0);
  });
});

describe('least-connections', () => {
  it('picks the agent with the fewest tasks relative to its capacity', () => {
    const strategy = createStrategy('least-connections');
    const agents = [agentView(0, { capacity: 2, active: 1 }), agentView(1, { capacity: 4, active: 1 }), agentView(2, { capacity: 1 })];
    // loads 0.5, 0.25, 0: the idle agent wins
    expect(strategy.pickAgent(taskView(), introduce(strategy, context(agents, 'late', seedrandom('x'))))!.index).toBe(2);
    const busier = [agentView(0, { capacity: 2, active: 1 }), agentView(1, { capacity: 4, active: 1 })];
    const fresh = createStrategy('least-connections');
    expect(fresh.pickAgent(taskView(), introduce(fresh, context(busier, 'late', seedrandom('x'))))!.index).toBe(1);
  });

  it('counts an agent own queue under early binding', () => {
    const strategy = createStrategy('least-connections');
    const agents = [agentView(0, { capacity: 1, active: 1, queued: 3 }), agentView(1, { capacity: 1, active: 1, queued: 1 })];
    expect(strategy.pickAgent(taskView(), introduce(strategy, context(agents, 'early', seedrandom('x'))))!.index).toBe(1);
  });

  it('breaks ties by the lowest index', () => {
    const strategy = createStrategy('least-connections');
    const agents = [agentView(0, { accepting: false }), agentView(1, { capacity: 2, active: 1 }), agentView(2, { capacity: 4, active: 2 })];
    expect(strategy.pickAgent(taskView(), introduce(strategy, context(agents, 'late', seedrandom('x'))))!.index).toBe(1);
  });

  it('fills a fleet evenly relative to capacity through the engine', () => {
    const h = new Harness({ strategy: 'least-connections', agents: [{ id: 'a', capacity: 2 }, { id: 'b', capacity: 4 }, { id: 'c', capacity: 2 }] });
    for (let i = 0; i < 4; i++) h.submit({ id: `t${i}` });
    // a 0/2, b 0/4, c 0/2 -> a; then b (0 < 0.5); then c (0); then b (0.25 < 0.5)
    expect(startedOn(h)).toEqual(['a', 'b', 'c', 'b']);
  });

  it('routes to the shortest queue under early binding', () => {
    const h = new Harness({ strategy: 'least-connections', config: { binding: 'early' }, agents: [{ id: 'a' }, { id: 'b' }] });
    for (let i = 0; i < 6; i++) h.submit({ id: `t${i}` });
    expect(h.engine.agents.map((a) => a.active + a.queued)).toEqual([3, 3]);
  });
});

describe('random', () => {
  it('spreads picks evenly over the eligible agents (within 4 binomial standard deviations, fixed seed)', () => {
    const strategy = createStrategy('random');
    const agents = [agentView(0), agentView(1, { capacity: 3, active: 2 }), agentView(2, { active: 1 }), agentView(3), agentView(4, { accepting: false })];
    const ctx = introduce(strategy, context(agents, 'late', seedrandom('spread')));
    const n = 8000;
    const counts = new Array<number>(agents.length).fill(0);
    for (let i = 0; i < n; i++) counts[strategy.pickAgent(taskView(), ctx)!.index]!++;
    // Eligible: 0, 1, 3 (2 is full, 4 left). Each count is Binomial(n, 1/3).
    expect(counts[2]).toBe(0);
    expect(counts[4]).toBe(0);
    const p = 1 / 3;
    const sd = Math.sqrt(n * p * (1 - p));
    for (const index of [0, 1, 3]) expect(Math.abs(counts[index]! - n * p), `agent ${index}: ${counts[index]}`).toBeLessThan(4 * sd);
  });

  it('spreads tasks roughly evenly over agent queues through the engine under early binding', () => {
    const h = new Harness({ strategy: 'random', seed: 'even', config: { binding: 'early' }, agents: [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }] });
    const n = 2000;
    for (let i = 0; i < n; i++) h.submit({ id: `t${i}` });
    const p = 1 / 4;
    const sd = Math.sqrt(n * p * (1 - p));
    for (const agent of h.engine.agents) {
      expect(Math.abs(agent.active + agent.queued - n * p), agent.spec.id).toBeLessThan(4 * sd);
    }
  });

  it('draws only from the context generator: the same seed gives the same picks', () => {
    const agents = [agentView(0), agentView(1), agentView(2)];
    const picks = (seed: string): number[] => {
      const strategy = createStrategy('random');
      const ctx = introduce(strategy, context(agents, 'early', seedrandom(seed)));
      return Array.from({ length: 50 }, () => strategy.pickAgent(taskView(), ctx)!.index);
    };
    expect(picks('s')).toEqual(picks('s'));
    expect(picks('s')).not.toEqual(picks('t'));
  });
});
