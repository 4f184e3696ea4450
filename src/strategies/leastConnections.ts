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
import type { DecisionContext } from '../engine/strategy.js';
import type { TaskView } from '../engine/task.js';
import { EligibleHeap } from './agentIndex.js';
import { AgentIndexedStrategy } from './agentIndexedStrategy.js';
import { defineStrategy } from './definition.js';
import { tasksPerSlot } from './pipeline/estimates.js';

/**
 * The eligible agent with the smallest `rank` (ties to the lowest index), from an indexed heap
 * the hooks keep current: least-connections and join-shortest-queue differ only in the rank.
 */
export class FewestByRank extends AgentIndexedStrategy {
  private readonly eligible: EligibleHeap;

  /** @param name - registry name; @param rank - smaller is picked first. */
  constructor(readonly name: string, rank: (agent: AgentView) => number) {
    super();
    this.eligible = new EligibleHeap(rank);
  }

  /** The eligible agent of smallest rank, from the top of the heap: O(1). */
  pickAgent(_task: TaskView, ctx: DecisionContext): AgentView | undefined {
    return this.eligible.best(ctx.fleet.agents);
  }

  protected sync(agent: AgentView, ctx: DecisionContext): void {
    // A slot freed while a task waits (late binding) is taken back in the same input: deferred,
    // the agent is weighed at that pick and never moved in and out of the heap.
    if (ctx.binding === 'late' && ctx.fleet.queuedTasks > 0) this.eligible.defer(agent, ctx.binding);
    else this.eligible.sync(agent, ctx.binding);
  }
}

/** Registry entry for `least-connections`. */
export const leastConnections = defineStrategy({
  name: 'least-connections',
  description: 'The agent with the fewest tasks in hand relative to its capacity (indexed heap, O(log n)).',
  params: z.strictObject({}),
  create: () => new FewestByRank('least-connections', tasksPerSlot),
});
