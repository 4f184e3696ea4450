/**
 * The scan that strategies ranking on a figure of their own share: the eligible agent that a
 * comparison prefers over every other. Ties keep the agent met first, the lowest index, so runs
 * are reproducible. O(n) per decision; strategies that must not scan keep an index instead
 * (`agentIndex.ts`).
 */
import { skillFor, type AgentView } from '../engine/agent.js';
import { isEligible, type DecisionContext, type Strategy } from '../engine/strategy.js';
import type { QueueOrder } from '../engine/taskQueue.js';
import type { TaskView } from '../engine/task.js';
import { tasksPerSlot } from './pipeline/estimates.js';

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

/**
 * A strategy that is {@link bestEligible} under one preference, and nothing else: the eligible
 * agent `prefers` puts first (least-loaded-tokens, least-work-left, deadline-aware, fair-share),
 * over queues in its own order if it names one.
 */
export class BestEligible implements Strategy {
  /**
   * @param name - registry name; @param prefers - a module-level preference (see {@link bestEligible});
   * @param queueOrder - the order of the engine's queues (`Strategy.queueOrder`), none for the default.
   */
  constructor(
    readonly name: string,
    private readonly prefers: Preference,
    readonly queueOrder?: QueueOrder,
  ) {}

  /** The eligible agent the preference puts first; undefined when none is eligible. */
  pickAgent(task: TaskView, ctx: DecisionContext): AgentView | undefined {
    return bestEligible(task, ctx, this.prefers);
  }
}

/** The higher skill for the task's type; on a tie, fewer tasks per slot. */
export function moreSkilled(a: AgentView, b: AgentView, task: TaskView): boolean {
  const skill = skillFor(a, task.spec.type);
  const best = skillFor(b, task.spec.type);
  return skill > best || (skill === best && tasksPerSlot(a) < tasksPerSlot(b));
}
