/**
 * round-robin: agents take turns in index order. Under late binding the next agent in turn that
 * has a free slot is chosen, so a fast agent that frees slots sooner ends up with more work.
 */
import { z } from 'zod';
import { hasFreeSlot, type AgentView } from '../engine/agent.js';
import type { DecisionContext, Strategy } from '../engine/strategy.js';
import type { TaskView } from '../engine/task.js';
import { defineStrategy } from './definition.js';

class RoundRobin implements Strategy {
  readonly name = 'round-robin';
  /** Index of the agent whose turn it is. */
  private turn = 0;

  pickAgent(_task: TaskView, ctx: DecisionContext): AgentView | undefined {
    const agents = ctx.fleet.agents;
    const n = agents.length;
    const late = ctx.binding === 'late';
    // Walks from the agent whose turn it is, wrapping once (a compare, not a division per step).
    let at = this.turn < n ? this.turn : 0;
    for (let i = 0; i < n; i++) {
      const agent = agents[at]!;
      if (late ? hasFreeSlot(agent) : agent.accepting) return agent;
      if (++at === n) at = 0;
    }
    return undefined;
  }

  onAssign(_task: TaskView, agent: AgentView, ctx: DecisionContext): void {
    const next = agent.index + 1;
    this.turn = next < ctx.fleet.agents.length ? next : 0;
  }
}

/** Registry entry for `round-robin`. */
export const roundRobin = defineStrategy({
  name: 'round-robin',
  description: 'Agents take turns in order, whatever their speed or load.',
  params: z.strictObject({}),
  create: () => new RoundRobin(),
});
