/**
 * random: a uniformly random eligible agent (free slot under late binding, accepting under
 * early binding). With early binding over n identical agents this is n independent M/M/1 queues.
 *
 * The eligible agents are kept in an {@link AgentSet} by the load hooks, so a decision is one
 * draw from `ctx.random` and O(1), whatever the fleet's size.
 */
import { z } from 'zod';
import type { AgentView } from '../engine/agent.js';
import type { DecisionContext } from '../engine/strategy.js';
import type { TaskView } from '../engine/task.js';
import { AgentSet, isEligible } from './agentIndex.js';
import { AgentIndexedStrategy } from './agentIndexedStrategy.js';
import { defineStrategy } from './definition.js';

class RandomChoice extends AgentIndexedStrategy {
  readonly name = 'random';
  private readonly eligible = new AgentSet();

  pickAgent(_task: TaskView, ctx: DecisionContext): AgentView | undefined {
    const n = this.eligible.size;
    if (n === 0) return undefined;
    return ctx.fleet.agents[this.eligible.at(Math.floor(ctx.random() * n))];
  }

  protected sync(agent: AgentView, ctx: DecisionContext): void {
    this.eligible.setMember(agent.index, isEligible(agent, ctx.binding));
  }
}

/** Registry entry for `random`. */
export const random = defineStrategy({
  name: 'random',
  description: 'A uniformly random eligible agent (the M/M/1-per-agent baseline under early binding); O(1) per decision.',
  params: z.strictObject({}),
  create: () => new RandomChoice(),
});
