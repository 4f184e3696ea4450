/**
 * capability-match: least-connections among agents skilled (and tagged) enough for the task,
 * with a documented fallback when none is.
 */
import fc from 'fast-check';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { skillFor, type AgentView } from '../../src/engine/agent.js';
import { isEligible, type Binding, type DecisionContext } from '../../src/engine/strategy.js';
import type { TaskView } from '../../src/engine/task.js';
import { capabilityMatch } from '../../src/strategies/capabilityMatch.js';
import { Harness, agentSpec, taskSpec } from '../support/harness.js';
import { idleAgentView, taskViewOf } from '../support/views.js';

interface Shape {
  readonly skill: number;
  readonly capacity?: number;
  readonly active?: number;
  readonly queued?: number;
  readonly accepting?: boolean;
  readonly tags?: readonly string[];
}

function agent(index: number, shape: Shape): AgentView {
  const { skill, capacity = 2, tags = [], ...load } = shape;
  return idleAgentView(agentSpec({ id: `a${index}`, capacity, tags, skills: { code: skill } }), index, load);
}

function ctx(agents: AgentView[], binding: Binding = 'late'): DecisionContext {
  return { now: 0, random: seedrandom('cm'), binding, fleet: { agents, freeSlots: 0, queuedTasks: 0 } };
}

const codeTask = taskViewOf(taskSpec({ id: 't', type: 'code' }));

function create(params: Record<string, unknown> = {}) {
  return capabilityMatch.create(capabilityMatch.params.parse(params));
}

function pick(agents: AgentView[], params: Record<string, unknown> = {}, task: TaskView = codeTask, binding: Binding = 'late'): number | undefined {
  return create(params).pickAgent(task, ctx(agents, binding))?.index;
}

const shapeArb: fc.Arbitrary<Shape> = fc
  .record({
    skill: fc.constantFrom(0, 0.2, 0.49, 0.5, 0.51, 0.8, 1),
    capacity: fc.integer({ min: 1, max: 3 }),
    used: fc.integer({ min: 0, max: 3 }),
    queued: fc.integer({ min: 0, max: 3 }),
    accepting: fc.boolean(),
  })
  .map(({ skill, capacity, used, queued, accepting }) => ({
    skill, capacity, accepting, active: accepting ? Math.min(used, capacity) : 0, queued: accepting ? queued : 0,
  }));

describe('capability-match', () => {
  it('never routes to an agent below the threshold while an eligible one at or above it exists', () => {
    fc.assert(
      fc.property(
        fc.array(shapeArb, { minLength: 1, maxLength: 7 }),
        fc.constantFrom<Binding>('late', 'early'),
        fc.constantFrom(0.3, 0.5, 0.8),
        (shapes, binding, minSkill) => {
          const agents = shapes.map((shape, i) => agent(i, shape));
          const picked = create({ minSkill }).pickAgent(codeTask, ctx(agents, binding));
          const capable = agents.filter((a) => isEligible(a, binding) && skillFor(a, 'code') >= minSkill);
          if (capable.length > 0) return picked !== undefined && skillFor(picked, 'code') >= minSkill;
          // None capable: the most skilled eligible agent (or none when none is eligible).
          const eligible = agents.filter((a) => isEligible(a, binding));
          if (eligible.length === 0) return picked === undefined;
          return picked !== undefined && skillFor(picked, 'code') === Math.max(...eligible.map((a) => skillFor(a, 'code')));
        },
      ),
      { seed: 4242, numRuns: 500 },
    );
  });

  it('picks the least loaded capable agent, not the most skilled one', () => {
    // a0 is the best coder but busier; a1 is capable and idle; a2 is idle but not capable.
    const agents = [agent(0, { skill: 1, active: 1 }), agent(1, { skill: 0.6 }), agent(2, { skill: 0.3 })];
    expect(pick(agents)).toBe(1);
    expect(pick(agents, { minSkill: 0.9 })).toBe(0);
  });

  it('counts skill exactly at the threshold as capable, and a missing skill as 0', () => {
    expect(pick([agent(0, { skill: 0.49 }), agent(1, { skill: 0.5, active: 1 })])).toBe(1);
    const typeless = taskViewOf(taskSpec({ id: 't', type: 'translate' }));
    expect(pick([agent(0, { skill: 1 }), agent(1, { skill: 1 })], { minSkill: 0 }, typeless)).toBe(0);
  });

  it('requires the task tags on the agent', () => {
    const gpuTask = taskViewOf(taskSpec({ id: 't', type: 'code', tags: ['gpu'] }));
    const agents = [agent(0, { skill: 1 }), agent(1, { skill: 0.6, active: 1, tags: ['gpu', 'eu'] })];
    expect(pick(agents, {}, gpuTask)).toBe(1);
    expect(pick(agents)).toBe(0);
  });

  it('falls back to the most skilled eligible agent (ties: least loaded) when none is capable', () => {
    const agents = [agent(0, { skill: 0.2 }), agent(1, { skill: 0.4, active: 1 }), agent(2, { skill: 0.4 }), agent(3, { skill: 0.9, active: 2 })];
    // a3 is capable but full under late binding: work-conserving fallback to a skilled free agent.
    expect(pick(agents)).toBe(2);
    // Under early binding a3 is eligible and capable.
    expect(pick(agents, {}, codeTask, 'early')).toBe(3);
  });

  it('with fallback "wait", waits for a busy capable agent instead of using a weak one', () => {
    const agents = [agent(0, { skill: 0.2 }), agent(1, { skill: 0.9, active: 2 })];
    expect(pick(agents, { fallback: 'wait' })).toBeUndefined();
    // Once the capable agent has left, nobody capable remains: fall back rather than strand.
    const gone = [agent(0, { skill: 0.2 }), agent(1, { skill: 0.9, accepting: false })];
    expect(pick(gone, { fallback: 'wait' })).toBe(0);
  });

  it('through the engine: "wait" queues work for the specialist, the default spills to a free agent', () => {
    const run = (fallback: string): string[] => {
      const h = new Harness({
        strategy: capabilityMatch.create(capabilityMatch.params.parse({ fallback })),
        agents: [{ id: 'coder', skills: { code: 0.9 } }, { id: 'writer', skills: { code: 0.1 } }],
      });
      h.submit({ id: 'x', type: 'code' });
      h.submit({ id: 'y', type: 'code' });
      h.drive();
      h.finish('x');
      h.drive();
      return h.commandsOf('start').map((c) => `${c.taskId}@${c.agentId}`);
    };
    expect(run('wait')).toEqual(['x@coder', 'y@coder']);
    expect(run('most-skilled')).toEqual(['x@coder', 'y@writer']);
  });

  it('rejects a threshold outside [0, 1] and an unknown fallback', () => {
    expect(capabilityMatch.params.safeParse({ minSkill: 1.5 }).success).toBe(false);
    expect(capabilityMatch.params.safeParse({ fallback: 'any' }).success).toBe(false);
    expect(capabilityMatch.params.parse({})).toEqual({ minSkill: 0.5, fallback: 'most-skilled' });
  });
});
