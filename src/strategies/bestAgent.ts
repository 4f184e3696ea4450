/**
 * The scan that strategies ranking on a figure of their own share: the eligible agent that a
 * comparison prefers over every other. Ties keep the agent met first, the lowest index, so runs
 * are reproducible. O(n) per decision; strategies that must not scan keep an index instead
 * (`agentIndex.ts`).
 */
import type { AgentView } from '../engine/agent.js';
import { isEligible, type DecisionContext } from '../engine/strategy.js';
import type { TaskView } from '../engine/task.js';

/** True when `a` should be picked over `b` for `task` (a strict preference). */
export type Preference = (a: AgentView, b: AgentView, task: TaskView) => boolean;

/**
 * The eligible agent `prefers` puts first for `task`, passing over `passedOver` if given;
 * undefined when no agent is eligible. `prefers` should be a module-level function, so that a
 * decision allocates nothing.
 */
export function bestEligible(task: TaskView, ctx: DecisionContext, prefers: Preference, passedOver?: AgentView): AgentView | undefined {
  let best: AgentView | undefined;
  for (const agent of ctx.fleet.agents) {
    if (agent === passedOver || !isEligible(agent, ctx.binding)) continue;
    if (best === undefined || prefers(agent, best, task)) best = agent;
  }
  return best;
}
