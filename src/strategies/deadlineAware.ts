/**
 * deadline-aware: earliest deadline first, then the agent expected to finish the task first.
 *
 * - Queue order: every queue the engine keeps is earliest deadline first within a priority
 *   (tasks without a deadline after those with one), through `queueOrder: 'deadline'`.
 * - Routing: the eligible agent with the earliest expected finish, estimated as the work in
 *   hand per slot plus this task, at the agent's speed:
 *   (outstandingTokens ÷ capacity + tokens) ÷ tokensPerSecond. Ties go to the lowest index.
 *
 * The scan is O(n) per decision; this strategy is for fleets where deadlines matter more than
 * decision cost.
 */
import { z } from 'zod';
import type { AgentView } from '../engine/agent.js';
import type { TaskView } from '../engine/task.js';
import { BestEligible } from './bestAgent.js';
import { defineStrategy } from './definition.js';

/** Seconds until `agent` would finish `task` if it took it now (an estimate from its view). */
export function expectedFinishSeconds(agent: AgentView, task: TaskView): number {
  const spec = agent.spec;
  return (agent.outstandingTokens / spec.capacity + task.spec.tokens) / spec.tokensPerSecond;
}

function finishesSooner(a: AgentView, b: AgentView, task: TaskView): boolean {
  return expectedFinishSeconds(a, task) < expectedFinishSeconds(b, task);
}

/** Registry entry for `deadline-aware`. */
export const deadlineAware = defineStrategy({
  name: 'deadline-aware',
  description: 'Earliest-deadline-first queues; each task to the agent expected to finish it first.',
  params: z.strictObject({}),
  create: () => new BestEligible('deadline-aware', finishesSooner, 'deadline'),
});
