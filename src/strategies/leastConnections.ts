/**
 * least-connections: the eligible agent with the fewest tasks in hand (active plus its own
 * queue) relative to its capacity; ties go to the lowest index.
 *
 * Eligible agents sit in an indexed min-heap by (tasks ÷ capacity, index) that the hooks keep
 * current, so a decision is O(1) and a load change O(log n): no decision scans the fleet.
 * Eligible means a free slot under late binding and accepting under early binding.
 */
import { z } from 'zod';
import type { AgentView } from '../engine/agent.js';
import type { DecisionContext, Strategy } from '../engine/strategy.js';
import type { TaskView } from '../engine/task.js';
import { EligibleHeap, tasksInHand } from './agentIndex.js';
import { defineStrategy } from './definition.js';

/** Tasks in hand per slot: the rank of least-connections, smaller first. */
function relativeLoad(agent: AgentView): number {
  return tasksInHand(agent) / agent.spec.capacity;
}

class LeastConnections implements Strategy {
  readonly name = 'least-connections';
  private readonly eligible = new EligibleHeap(relativeLoad);

  pickAgent(_task: TaskView, ctx: DecisionContext): AgentView | undefined {
    return this.eligible.best(ctx.fleet.agents);
  }

  onAgentJoined(agent: AgentView, ctx: DecisionContext): void {
    this.eligible.sync(agent, ctx.binding);
  }

  onAgentLeft(agent: AgentView, ctx: DecisionContext): void {
    this.eligible.sync(agent, ctx.binding);
  }

  onAgentLoadChanged(agent: AgentView, ctx: DecisionContext): void {
    this.eligible.sync(agent, ctx.binding);
  }
}

/** Registry entry for `least-connections`. */
export const leastConnections = defineStrategy({
  name: 'least-connections',
  description: 'The agent with the fewest tasks in hand relative to its capacity (indexed heap, O(log n)).',
  params: z.strictObject({}),
  create: () => new LeastConnections(),
});
