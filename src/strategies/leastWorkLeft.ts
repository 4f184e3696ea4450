/**
 * least-work-left: the eligible agent that would clear its work in hand soonest, outstanding
 * tokens ÷ (capacity × tokens per second); ties go to the faster agent, then the lowest index.
 * With known task sizes and FCFS agents, sending each task where the least work remains makes
 * the fleet behave like one central M/G/c queue (Harchol-Balter); dividing by capacity extends
 * the rule to agents with several slots.
 */
import { z } from 'zod';
import type { AgentView } from '../engine/agent.js';
import type { DecisionContext, Strategy } from '../engine/strategy.js';
import type { TaskView } from '../engine/task.js';
import { defineStrategy } from './definition.js';
import { isEligible, workLeftSeconds } from './pipeline/estimates.js';

class LeastWorkLeft implements Strategy {
  readonly name = 'least-work-left';

  pickAgent(_task: TaskView, ctx: DecisionContext): AgentView | undefined {
    let best: AgentView | undefined;
    let bestSeconds = Number.POSITIVE_INFINITY;
    for (const agent of ctx.fleet.agents) {
      if (!isEligible(agent, ctx.binding)) continue;
      const seconds = workLeftSeconds(agent);
      const faster = best !== undefined && agent.spec.tokensPerSecond > best.spec.tokensPerSecond;
      if (seconds < bestSeconds || (seconds === bestSeconds && faster)) {
        best = agent;
        bestSeconds = seconds;
      }
    }
    return best;
  }
}

/** Registry entry for `least-work-left`. */
export const leastWorkLeft = defineStrategy({
  name: 'least-work-left',
  description: 'The agent with the least work in hand, in seconds: tokens ÷ (capacity × speed).',
  params: z.strictObject({}),
  create: () => new LeastWorkLeft(),
});
