/**
 * capability-match: an agent is capable of a task when its skill for the task's type is at
 * least `minSkill` and it carries every tag of the task. Among the eligible capable agents,
 * the one with the fewest tasks in hand per slot wins (least-connections; ties to the lowest
 * index).
 *
 * When no eligible agent is capable, `fallback` decides:
 * - `most-skilled` (default): the eligible agent with the highest skill for the type (ties: the
 *   fewest tasks per slot, then the lowest index), tags ignored. Work-conserving: a free agent
 *   never idles while work waits, at the price of sending work to a weak agent when the
 *   capable ones are busy.
 * - `wait`: while any accepting agent in the fleet is capable (it is busy), pick nobody; under
 *   late binding the task waits in the pool for a capable slot. When no agent in the fleet is
 *   capable at all, fall back as `most-skilled`, so that no task is stranded.
 */
import { z } from 'zod';
import { hasTags, skillFor, type AgentView } from '../engine/agent.js';
import { isEligible, type DecisionContext, type Strategy } from '../engine/strategy.js';
import type { TaskView } from '../engine/task.js';
import { defineStrategy } from './definition.js';
import { share, strictParams } from './params.js';
import { tasksPerSlot } from './pipeline/estimates.js';
import { skillAtLeast } from './pipeline/filters.js';

/** Parameters of `capability-match`. */
export const capabilityMatchParams = strictParams({
  /** Least skill for the task's type that makes an agent capable. @defaultValue 0.5 */
  minSkill: share.default(0.5),
  /** What to do when no eligible agent is capable. @defaultValue `most-skilled` */
  fallback: z.enum(['most-skilled', 'wait']).default('most-skilled'),
});

type Params = z.output<typeof capabilityMatchParams>;

class CapabilityMatch implements Strategy {
  readonly name = 'capability-match';

  constructor(private readonly params: Params) {}

  pickAgent(task: TaskView, ctx: DecisionContext): AgentView | undefined {
    const type = task.spec.type;
    let capable: AgentView | undefined;
    let capableLoad = Number.POSITIVE_INFINITY;
    let fallback: AgentView | undefined;
    let fallbackSkill = Number.NEGATIVE_INFINITY;
    let fallbackLoad = Number.POSITIVE_INFINITY;
    let capableInFleet = false;
    for (const agent of ctx.fleet.agents) {
      if (!agent.accepting) continue;
      const isCapable = skillAtLeast(task, agent, this.params.minSkill) && hasTags(agent, task.spec.tags);
      capableInFleet ||= isCapable;
      if (!isEligible(agent, ctx.binding)) continue;
      const load = tasksPerSlot(agent);
      if (isCapable) {
        if (load < capableLoad) {
          capable = agent;
          capableLoad = load;
        }
        continue;
      }
      const skill = skillFor(agent, type);
      if (skill > fallbackSkill || (skill === fallbackSkill && load < fallbackLoad)) {
        fallback = agent;
        fallbackSkill = skill;
        fallbackLoad = load;
      }
    }
    if (capable !== undefined) return capable;
    if (this.params.fallback === 'wait' && capableInFleet) return undefined;
    return fallback;
  }
}

/** Registry entry for `capability-match`. */
export const capabilityMatch = defineStrategy({
  name: 'capability-match',
  description: 'Least-connections among agents with skill >= minSkill and the task\'s tags; else the most skilled.',
  params: capabilityMatchParams,
  create: (params: Params) => new CapabilityMatch(params),
});
