/**
 * The skill index answers what the scan `bestEligible(…, moreSkilled)` answers: the eligible
 * agent with the highest skill for the type, then the fewest tasks per slot, then the lowest
 * index, passing over a given agent. Checked on random fleets whose loads keep changing, under
 * both bindings (fast-check).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AgentView } from '../../src/engine/agent.js';
import type { Binding } from '../../src/engine/strategy.js';
import { bestEligible, moreSkilled } from '../../src/strategies/bestAgent.js';
import { MostSkilledIndex } from '../../src/strategies/skillIndex.js';
import { handAgent, handContext, handTask, type HandAgent } from '../support/handFleet.js';

const SKILLS = [undefined, 0, 0.3, 0.6, 0.9];
const TYPES = ['code', 'review'];

const agentArbitrary = fc.record({
  capacity: fc.integer({ min: 1, max: 4 }),
  active: fc.integer({ min: 0, max: 4 }),
  queued: fc.integer({ min: 0, max: 3 }),
  accepting: fc.boolean(),
  code: fc.constantFrom(...SKILLS),
  review: fc.constantFrom(...SKILLS),
});

type AgentShapeDrawn = typeof agentArbitrary extends fc.Arbitrary<infer T> ? T : never;

/** A hand agent with skills for the two types (a missing one counts as 0). */
function skilled(index: number, shape: AgentShapeDrawn): HandAgent {
  const agent = handAgent(index, { capacity: shape.capacity, active: Math.min(shape.active, shape.capacity), queued: shape.queued, accepting: shape.accepting });
  const skills: Record<string, number> = {};
  if (shape.code !== undefined) skills.code = shape.code;
  if (shape.review !== undefined) skills.review = shape.review;
  agent.spec = { ...agent.spec, skills };
  return agent;
}

const stepArbitrary = fc.record({
  agent: fc.nat(),
  active: fc.integer({ min: 0, max: 4 }),
  queued: fc.integer({ min: 0, max: 3 }),
  accepting: fc.boolean(),
  type: fc.constantFrom(...TYPES),
  passOver: fc.option(fc.nat(), { nil: undefined }),
});

describe('MostSkilledIndex', () => {
  for (const binding of ['late', 'early'] as Binding[]) {
    it(`picks what the scan picks (${binding} binding), as loads change`, () => {
      fc.assert(
        fc.property(fc.array(agentArbitrary, { minLength: 1, maxLength: 12 }), fc.array(stepArbitrary, { maxLength: 40 }), (shapes, steps) => {
          const agents = shapes.map((shape, i) => skilled(i, shape));
          const ctx = handContext(agents, binding);
          const index = new MostSkilledIndex();
          for (const agent of agents) index.sync(agent, ctx);
          for (const step of steps) {
            const agent = agents[step.agent % agents.length]!;
            agent.active = Math.min(step.active, agent.spec.capacity);
            agent.queued = step.queued;
            agent.accepting = step.accepting;
            index.sync(agent, ctx);
            const passedOver: AgentView | undefined = step.passOver === undefined ? undefined : agents[step.passOver % agents.length];
            const task = handTask('t', { type: step.type });
            expect(index.best(step.type, ctx, passedOver)?.index).toBe(bestEligible(task, ctx, moreSkilled, passedOver)?.index);
          }
        }),
        { seed: binding === 'late' ? 13 : 14, numRuns: 300 },
      );
    });
  }
});
