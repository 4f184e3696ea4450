/**
 * least-connections: the eligible agent with the fewest tasks in hand (active plus its own
 * queue), relative to capacity; ties go to the lowest index.
 */
import { z } from 'zod';
import { hasFreeSlot, type AgentView } from '../engine/agent.js';
import type { DecisionContext, Strategy } from '../engine/strategy.js';
import type { TaskView } from '../engine/task.js';
import { defineStrategy } from './definition.js';

class LeastConnections implements Strategy {
  readonly name = 'least-connections';

  pickAgent(_task: TaskView, ctx: DecisionContext): AgentView | undefined {
    const late = ctx.binding === 'late';
    let best: AgentView | undefined;
    let bestLoad = Number.POSITIVE_INFINITY;
    for (const agent of ctx.fleet.agents) {
      if (!(late ? hasFreeSlot(agent) : agent.accepting)) continue;
      const load = (agent.active + agent.queued) / agent.spec.capacity;
      if (load < bestLoad) {
        best = agent;
        bestLoad = load;
      }
    }
    return best;
  }
}

/** Registry entry for `least-connections`. */
export const leastConnections = defineStrategy({
  name: 'least-connections',
  description: 'The agent with the fewest tasks in hand relative to its capacity.',
  params: z.strictObject({}),
  create: () => new LeastConnections(),
});
