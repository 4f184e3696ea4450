import { describe, expect, it } from 'vitest';
import type { AgentView } from '../../src/engine/agent.js';
import { idleAgentView, taskViewOf } from '../support/views.js';
import type { Outcome } from '../../src/engine/messages.js';
import type { DecisionContext, Strategy } from '../../src/engine/strategy.js';
import type { TaskView } from '../../src/engine/task.js';
import { DecisionTimer } from '../../src/sim/decisionTimer.js';

/** An idle agent view at fleet position `index`, with one slot and 100 tokens/s. */
function agentView(index: number): AgentView {
  return idleAgentView({ id: `a${index}`, capacity: 1, tokensPerSecond: 100, skills: {}, weight: 1, tags: [] }, index);
}

/** A queued task view with test defaults (type `code`, priority 2, 1000 tokens). */
function taskView(id: string): TaskView {
  return taskViewOf({ id, type: 'code', priority: 2, tokens: 1000, contextTokens: 0 });
}

const AGENTS = [agentView(0), agentView(1), agentView(2)];
const CTX: DecisionContext = {
  now: 0,
  random: () => 0.5,
  binding: 'late',
  fleet: { agents: AGENTS, freeSlots: AGENTS.length, queuedTasks: 1 },
};
const TASK = taskView('t');

/**
 * A tiny stateful strategy: picks the agent it has assigned the fewest tasks (lowest index on a
 * tie), and learns only in `onAssign`, as the Strategy contract requires. Its state lives in a
 * private field, so it only works when its methods run with `this` bound to the instance.
 */
class FewestAssigned implements Strategy {
  readonly name = 'fewest-assigned';
  readonly log: string[] = [];
  private readonly assigned = new Map<number, number>();

  pickAgent(_task: TaskView, ctx: DecisionContext): AgentView | undefined {
    let best: AgentView | undefined;
    for (const agent of ctx.fleet.agents) {
      if (best === undefined || this.count(agent) < this.count(best)) best = agent;
    }
    return best;
  }

  admit(task: TaskView): boolean {
    this.log.push(`admit ${task.spec.id}`);
    return task.spec.id !== 'refused';
  }

  onAssign(_task: TaskView, agent: AgentView): void {
    this.assigned.set(agent.index, this.count(agent) + 1);
  }

  onSettle(task: TaskView, agent: AgentView, outcome: Outcome): void {
    this.log.push(`settle ${task.spec.id} on ${agent.spec.id} ${outcome.ok ? 'ok' : 'failed'}`);
  }

  onAgentJoined(agent: AgentView): void {
    this.log.push(`joined ${agent.spec.id}`);
  }

  onAgentLeft(agent: AgentView): void {
    this.log.push(`left ${agent.spec.id}`);
  }

  private count(agent: AgentView): number {
    return this.assigned.get(agent.index) ?? 0;
  }
}

/** Busy-waits `ms` milliseconds of wall clock (a decision that is known to be slow). */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // wait
  }
}

describe('DecisionTimer', () => {
  it('state changed in onAssign through the wrapper is seen by the next pickAgent', () => {
    const wrapped = new DecisionTimer(1).wrap(new FewestAssigned());
    const picks: number[] = [];
    for (let i = 0; i < 6; i++) {
      const agent = wrapped.pickAgent(TASK, CTX)!;
      picks.push(agent.index);
      wrapped.onAssign!(TASK, agent, CTX);
    }
    expect(picks).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it('the wrapper and the original strategy share one state', () => {
    const strategy = new FewestAssigned();
    const wrapped = new DecisionTimer(2).wrap(strategy);
    strategy.onAssign(TASK, AGENTS[0]!);
    expect(wrapped.pickAgent(TASK, CTX)!.index).toBe(1);
    wrapped.onAssign!(TASK, AGENTS[1]!, CTX);
    expect(strategy.pickAgent(TASK, CTX)!.index).toBe(2);
  });

  it('passes the name and every hook through, bound to the strategy', () => {
    const strategy = new FewestAssigned();
    const wrapped = new DecisionTimer(1).wrap(strategy);
    expect(wrapped.name).toBe('fewest-assigned');
    expect(wrapped.admit!(taskView('x'), CTX)).toBe(true);
    expect(wrapped.admit!(taskView('refused'), CTX)).toBe(false);
    wrapped.onSettle!(TASK, AGENTS[2]!, { ok: false, reason: 'timeout' }, CTX);
    wrapped.onAgentJoined!(AGENTS[1]!, CTX);
    wrapped.onAgentLeft!(AGENTS[0]!, CTX);
    expect(strategy.log).toEqual(['admit x', 'admit refused', 'settle t on a2 failed', 'joined a1', 'left a0']);
  });

  it('leaves absent the hooks the strategy does not have', () => {
    const bare: Strategy = { name: 'bare', pickAgent: (_task, ctx) => ctx.fleet.agents[0] };
    const wrapped = new DecisionTimer(1).wrap(bare);
    expect(wrapped.pickAgent(TASK, CTX)).toBe(AGENTS[0]);
    expect(wrapped.admit).toBeUndefined();
    expect(wrapped.onAssign).toBeUndefined();
    expect(wrapped.onSettle).toBeUndefined();
    expect(wrapped.onAgentJoined).toBeUndefined();
    expect(wrapped.onAgentLeft).toBeUndefined();
  });

  it('returns what the strategy picks, on sampled and unsampled calls alike', () => {
    let calls = 0;
    const cycling: Strategy = { name: 'cycling', pickAgent: (_task, ctx) => ctx.fleet.agents[calls++ % 3] };
    const wrapped = new DecisionTimer(2).wrap(cycling);
    const picks = Array.from({ length: 7 }, () => wrapped.pickAgent(TASK, CTX)?.index);
    expect(picks).toEqual([0, 1, 2, 0, 1, 2, 0]);
  });

  it('samples one call in N: calls 0, N, 2N, …', () => {
    for (const [every, calls, sampled] of [[1, 5, 5], [4, 10, 3], [4, 12, 3], [4, 13, 4], [64, 63, 1]] as const) {
      const timer = new DecisionTimer(every);
      const wrapped = timer.wrap(new FewestAssigned());
      for (let i = 0; i < calls; i++) wrapped.pickAgent(TASK, CTX);
      const summary = timer.summary();
      expect([summary.decisions, summary.sampled]).toEqual([calls, sampled]);
    }
  });

  it('times exactly the sampled calls, in microseconds', () => {
    // Only calls 0, 3, 6 and 9 are slow (≥ 0.5 ms); with sampleEvery 3 every sample must be ≥ 500 µs.
    let call = 0;
    const slowOnSampled: Strategy = {
      name: 'slow-on-sampled',
      pickAgent: (_task, ctx) => {
        if (call++ % 3 === 0) spin(0.5);
        return ctx.fleet.agents[0];
      },
    };
    const timer = new DecisionTimer(3);
    const wrapped = timer.wrap(slowOnSampled);
    for (let i = 0; i < 10; i++) wrapped.pickAgent(TASK, CTX);
    const summary = timer.summary();
    expect(summary.sampled).toBe(4);
    expect(summary.p50Us!).toBeGreaterThanOrEqual(500);
    expect(summary.p95Us!).toBeGreaterThanOrEqual(summary.p50Us!);
  });

  it('summary quantiles are null before any sample', () => {
    const timer = new DecisionTimer(5);
    timer.wrap(new FewestAssigned());
    expect(timer.summary()).toEqual({ decisions: 0, sampled: 0, p50Us: null, p95Us: null });
  });

  it('summary quantiles are numbers once a call has been sampled', () => {
    const timer = new DecisionTimer(5);
    timer.wrap(new FewestAssigned()).pickAgent(TASK, CTX);
    const summary = timer.summary();
    expect(summary.sampled).toBe(1);
    expect(summary.p50Us).toBeTypeOf('number');
    expect(summary.p50Us!).toBeGreaterThanOrEqual(0);
    expect(summary.p95Us).toBe(summary.p50Us); // one sample: every quantile is that sample
  });

  it('keeps every sample beyond its initial 1024 slots', () => {
    const timer = new DecisionTimer(1);
    const wrapped = timer.wrap(new FewestAssigned());
    for (let i = 0; i < 3000; i++) wrapped.pickAgent(TASK, CTX);
    expect(timer.summary()).toMatchObject({ decisions: 3000, sampled: 3000 });
  });

  it('one timer accumulates the decisions of every strategy it wraps', () => {
    const timer = new DecisionTimer(2);
    const a = timer.wrap(new FewestAssigned());
    const b = timer.wrap(new FewestAssigned());
    for (let i = 0; i < 3; i++) a.pickAgent(TASK, CTX);
    for (let i = 0; i < 4; i++) b.pickAgent(TASK, CTX);
    expect(timer.summary()).toMatchObject({ decisions: 7, sampled: 4 });
  });

  it('rejects a sampling interval that is not an integer of at least 1', () => {
    for (const every of [0, -1, 1.5, Number.NaN]) expect(() => new DecisionTimer(every)).toThrow(/sampleEvery/);
  });
});
