/**
 * work-stealing: tasks are placed on arrival without looking at load (uniformly at random
 * among accepting agents, O(1)); an agent that has a free slot and an empty queue steals the
 * last task (least urgent, newest) of the busiest agent whose last task it can do
 * (skill ≥ `minSkill`; a task assigned by name is never stolen). Stealing from the back leaves the victim's oldest work in place, as in
 * Cilk's and Tokio's schedulers, so the victim keeps the work it was about to start.
 *
 * It is an early-binding strategy: the engine asks `steal` only under early binding. Under late
 * binding there are no agent queues to steal from, and it reduces to random placement on free
 * agents. Choosing the victim scans the fleet, but only when an agent runs dry, not per task.
 */
import { z } from 'zod';
import { hasTags, skillFor, type AgentView } from '../engine/agent.js';
import type { DecisionContext } from '../engine/strategy.js';
import type { TaskView } from '../engine/task.js';
import { defineStrategy } from './definition.js';
import { share } from './params.js';
import { RandomEligible } from './random.js';

/** Parameters of `work-stealing`. */
export interface WorkStealingParams {
  /** Lowest skill a thief needs for the task type it steals. */
  readonly minSkill: number;
}

/** Placement is `random`'s (inherited); stealing is what this strategy adds. */
class WorkStealing extends RandomEligible {
  constructor(private readonly params: WorkStealingParams) {
    super('work-stealing');
  }

  steal(thief: AgentView, ctx: DecisionContext): TaskView | undefined {
    const lastQueued = ctx.fleet.lastQueued;
    if (lastQueued === undefined) return undefined;
    let loot: TaskView | undefined;
    let victimQueued = 0;
    for (const victim of ctx.fleet.agents) {
      if (victim === thief || victim.queued <= victimQueued) continue;
      const task = lastQueued(victim);
      // A task assigned by name must run on its assignee, never on a thief; tags bind too.
      if (task === undefined || task.spec.assignee !== undefined || !hasTags(thief, task.spec.tags) || skillFor(thief, task.spec.type) < this.params.minSkill) continue;
      loot = task;
      victimQueued = victim.queued;
    }
    return loot;
  }
}

/** Registry entry for `work-stealing`. */
export const workStealing = defineStrategy({
  name: 'work-stealing',
  description: 'Random placement; an agent that runs dry steals the newest task of the busiest compatible agent.',
  params: z.strictObject({ minSkill: share.default(0) }),
  create: (params: WorkStealingParams) => new WorkStealing(params),
});
