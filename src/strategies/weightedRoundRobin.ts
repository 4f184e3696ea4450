/**
 * weighted-round-robin: nginx's smooth weighted round-robin over `spec.weight` (which scenario
 * files default to the agent's capacity). Each agent keeps a running `current` weight. On every
 * assignment, each eligible agent's current grows by its weight and the chosen agent's current
 * falls by the sum of those weights; the pick is the eligible agent whose current would be the
 * highest after growing, ties to the lowest index. Over a cycle each agent gets work in
 * proportion to its weight, interleaved rather than in bursts (weights 5:1:1 give a a b a c a a).
 *
 * Picking is not dispatching: `pickAgent` only reads; the weights move in `onAssign`.
 */
import { z } from 'zod';
import type { AgentView } from '../engine/agent.js';
import { isEligible, type DecisionContext, type Strategy } from '../engine/strategy.js';
import type { TaskView } from '../engine/task.js';
import { grownToHold } from './agentIndex.js';
import { defineStrategy } from './definition.js';

class WeightedRoundRobin implements Strategy {
  readonly name = 'weighted-round-robin';
  /** Current weight per agent index; grows with the fleet. */
  private current = new Float64Array(16);

  pickAgent(_task: TaskView, ctx: DecisionContext): AgentView | undefined {
    const agents = ctx.fleet.agents;
    let best: AgentView | undefined;
    let bestCurrent = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < agents.length; i++) {
      const agent = agents[i]!;
      if (!isEligible(agent, ctx.binding)) continue;
      const next = this.currentOf(i) + agent.spec.weight;
      if (next > bestCurrent) {
        best = agent;
        bestCurrent = next;
      }
    }
    return best;
  }

  onAssign(_task: TaskView, chosen: AgentView, ctx: DecisionContext): void {
    const agents = ctx.fleet.agents;
    this.current = grownToHold(this.current, agents.length - 1);
    // The engine calls onAssign before it counts the task against the agent, so eligibility
    // here is what `pickAgent` saw. The chosen agent takes part even when it was not eligible
    // (a task with a direct assignee), so its share is charged all the same.
    let total = 0;
    for (let i = 0; i < agents.length; i++) {
      const agent = agents[i]!;
      if (agent !== chosen && !isEligible(agent, ctx.binding)) continue;
      this.current[i]! += agent.spec.weight;
      total += agent.spec.weight;
    }
    this.current[chosen.index]! -= total;
  }

  private currentOf(index: number): number {
    return index < this.current.length ? this.current[index]! : 0;
  }
}

/** Registry entry for `weighted-round-robin`. */
export const weightedRoundRobin = defineStrategy({
  name: 'weighted-round-robin',
  description: 'Smooth weighted round-robin (nginx) by agent weight, which defaults to capacity.',
  params: z.strictObject({}),
  create: () => new WeightedRoundRobin(),
});
