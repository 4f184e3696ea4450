/**
 * join-idle-queue (Lu et al., "Join-Idle-Queue", Performance 2011): agents that fall idle
 * register in an idle queue; a task goes to the agent at the head of that queue if there is one,
 * otherwise to a uniformly random eligible agent.
 *
 * An agent is idle when a task sent to it would start at once: it accepts, has a free slot and
 * nothing in its own queue (for capacity 1, JIQ's idle server). The idle queue is first in,
 * first out by the last load change: an idle agent whose load changes (it took a task but still
 * has a free slot, say) moves to the tail, so consecutive tasks spread over the idle agents
 * rather than filling one. Under late binding every eligible agent is idle, so the fallback
 * never applies: the task waits in the pool, as JIQ's tasks would wait for an idle server.
 *
 * Both the idle queue ({@link AgentQueue}) and the eligible set ({@link AgentSet}) are kept by
 * the hooks, so a decision is O(1): the head of the queue, or one draw from `ctx.random` (drawn
 * only when no agent is idle).
 */
import { z } from 'zod';
import { hasFreeSlot, type AgentView } from '../engine/agent.js';
import type { DecisionContext } from '../engine/strategy.js';
import type { TaskView } from '../engine/task.js';
import { AgentQueue } from './agentIndex.js';
import { defineStrategy } from './definition.js';
import { RandomEligible } from './random.js';

/** True when a task sent to `agent` would start at once. */
function isIdle(agent: AgentView): boolean {
  return hasFreeSlot(agent) && agent.queued === 0;
}

/** The fallback, and the eligible set behind it, are `random`'s (inherited). */
class JoinIdleQueue extends RandomEligible {
  private readonly idle = new AgentQueue();

  constructor() {
    super('join-idle-queue');
  }

  override pickAgent(task: TaskView, ctx: DecisionContext): AgentView | undefined {
    const head = this.idle.peek();
    return head >= 0 ? ctx.fleet.agents[head] : super.pickAgent(task, ctx);
  }

  protected override sync(agent: AgentView, ctx: DecisionContext): void {
    super.sync(agent, ctx);
    // Every change reported while idle re-registers the agent at the tail.
    if (isIdle(agent)) this.idle.push(agent.index);
    else this.idle.delete(agent.index);
  }
}

/** Registry entry for `join-idle-queue`. */
export const joinIdleQueue = defineStrategy({
  name: 'join-idle-queue',
  description: 'An idle agent if any (first registered, first served), else a random eligible agent (O(1)).',
  params: z.strictObject({}),
  create: () => new JoinIdleQueue(),
});
