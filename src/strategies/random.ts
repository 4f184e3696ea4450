/**
 * random: a uniformly random eligible agent (free slot under late binding, accepting under
 * early binding). With early binding over n identical agents this is n independent M/M/1 queues.
 */
import { z } from 'zod';
import { hasFreeSlot, type AgentView } from '../engine/agent.js';
import type { DecisionContext, Strategy } from '../engine/strategy.js';
import type { TaskView } from '../engine/task.js';
import { defineStrategy } from './definition.js';

class RandomChoice implements Strategy {
  readonly name = 'random';
  private readonly eligible: AgentView[] = [];

  pickAgent(_task: TaskView, ctx: DecisionContext): AgentView | undefined {
    const agents = ctx.fleet.agents;
    const late = ctx.binding === 'late';
    this.eligible.length = 0;
    for (const agent of agents) if (late ? hasFreeSlot(agent) : agent.accepting) this.eligible.push(agent);
    if (this.eligible.length === 0) return undefined;
    return this.eligible[Math.floor(ctx.random() * this.eligible.length)];
  }
}

/** Registry entry for `random`. */
export const random = defineStrategy({
  name: 'random',
  description: 'A uniformly random eligible agent (the M/M/1-per-agent baseline under early binding).',
  params: z.strictObject({}),
  create: () => new RandomChoice(),
});
