/**
 * random: a uniformly random eligible agent (free slot under late binding, accepting under
 * early binding). With early binding over n identical agents this is n independent M/M/1 queues.
 *
 * The eligible agents are kept in an {@link AgentSet} by the load hooks, so a decision is one
 * draw from `ctx.random` and O(1), whatever the fleet's size.
 */
import { z } from 'zod';
import type { AgentView } from '../engine/agent.js';
import { isEligible, type DecisionContext } from '../engine/strategy.js';
import type { TaskView } from '../engine/task.js';
import { AgentSet } from './agentIndex.js';
import { AgentIndexedStrategy } from './agentIndexedStrategy.js';
import { defineStrategy } from './definition.js';

/**
 * A uniformly random eligible agent, from an eligible set the hooks keep: the rule of `random`,
 * the placement of `work-stealing` and the fallback of `join-idle-queue`, and the set that
 * `power-of-d` samples from. Draws once from `ctx.random` per decision, nothing when no agent is
 * eligible.
 */
export class RandomEligible extends AgentIndexedStrategy {
  /** The eligible agents as last reported. */
  protected readonly eligible = new AgentSet();

  /** @param name - registry name. */
  constructor(readonly name: string) {
    super();
  }

  /** A uniformly random eligible agent; undefined when none is eligible. */
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
  create: () => new RandomEligible('random'),
});
