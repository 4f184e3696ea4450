/**
 * least-loaded-tokens: least-connections that counts tokens, not tasks. The eligible agent with
 * the fewest outstanding tokens (tasks holding a slot plus its own queue) per slot wins; ties go
 * to the fewest tasks per slot, then the lowest index. Speed is ignored on purpose: that is
 * `least-work-left`.
 */
import { z } from 'zod';
import type { AgentView } from '../engine/agent.js';
import type { DecisionContext, Strategy } from '../engine/strategy.js';
import type { TaskView } from '../engine/task.js';
import { defineStrategy } from './definition.js';
import { isEligible, tasksPerSlot, tokensPerSlot } from './pipeline/estimates.js';

class LeastLoadedTokens implements Strategy {
  readonly name = 'least-loaded-tokens';

  pickAgent(_task: TaskView, ctx: DecisionContext): AgentView | undefined {
    let best: AgentView | undefined;
    let bestTokens = Number.POSITIVE_INFINITY;
    let bestTasks = Number.POSITIVE_INFINITY;
    for (const agent of ctx.fleet.agents) {
      if (!isEligible(agent, ctx.binding)) continue;
      const tokens = tokensPerSlot(agent);
      const tasks = tasksPerSlot(agent);
      if (tokens < bestTokens || (tokens === bestTokens && tasks < bestTasks)) {
        best = agent;
        bestTokens = tokens;
        bestTasks = tasks;
      }
    }
    return best;
  }
}

/** Registry entry for `least-loaded-tokens`. */
export const leastLoadedTokens = defineStrategy({
  name: 'least-loaded-tokens',
  description: 'The agent with the fewest outstanding tokens per slot (count the tokens, not the tasks).',
  params: z.strictObject({}),
  create: () => new LeastLoadedTokens(),
});
