/**
 * What a strategy can estimate about an agent from its view alone: how loaded it is and how
 * long its work in hand will take (who may take a task now is the engine's `isEligible`).
 * Shared by the pipeline's scorers and by the strategies that rank on one of these figures
 * directly, so that `tokens` in a `scored` pipeline and `least-loaded-tokens` mean the same
 * thing.
 *
 * The engine counts a task's full `tokens` in `outstandingTokens` until it settles (it does not
 * know how far a running task has got), so every figure here is an upper estimate.
 */
import type { AgentView } from '../../engine/agent.js';

/** Tasks in hand: holding a slot plus waiting in the agent's own queue. */
export function tasksInHand(agent: AgentView): number {
  return agent.active + agent.queued;
}

/** Tasks in hand per slot (the rank of least-connections). */
export function tasksPerSlot(agent: AgentView): number {
  return tasksInHand(agent) / agent.spec.capacity;
}

/** Tokens in hand per slot: least-connections counting tokens instead of tasks. */
export function tokensPerSlot(agent: AgentView): number {
  return agent.outstandingTokens / agent.spec.capacity;
}

/**
 * Seconds the agent needs to clear the work in hand with every slot busy:
 * outstanding tokens ÷ (capacity × tokens per second).
 */
export function workLeftSeconds(agent: AgentView): number {
  return agent.outstandingTokens / (agent.spec.capacity * agent.spec.tokensPerSecond);
}

/**
 * Tokens a new task would wait behind, per slot: none while a slot is free (it starts at
 * once), otherwise the work in hand shared over the slots.
 */
export function tokensAhead(agent: AgentView): number {
  return tasksInHand(agent) < agent.spec.capacity ? 0 : tokensPerSlot(agent);
}
