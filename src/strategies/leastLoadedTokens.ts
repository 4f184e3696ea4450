/**
 * least-loaded-tokens: least-connections that counts tokens, not tasks. The eligible agent with
 * the fewest outstanding tokens (tasks holding a slot plus its own queue) per slot wins; ties go
 * to the fewest tasks per slot, then the lowest index. Speed is ignored on purpose: that is
 * `least-work-left`.
 */
import { z } from 'zod';
import type { AgentView } from '../engine/agent.js';
import { BestEligible } from './bestAgent.js';
import { defineStrategy } from './definition.js';
import { tasksPerSlot, tokensPerSlot } from './pipeline/estimates.js';

/** Fewer outstanding tokens per slot; on a tie, fewer tasks per slot. */
export function fewerTokens(a: AgentView, b: AgentView): boolean {
  const tokens = tokensPerSlot(a);
  const best = tokensPerSlot(b);
  return tokens < best || (tokens === best && tasksPerSlot(a) < tasksPerSlot(b));
}

/** Registry entry for `least-loaded-tokens`. */
export const leastLoadedTokens = defineStrategy({
  name: 'least-loaded-tokens',
  description: 'The agent with the fewest outstanding tokens per slot (count the tokens, not the tasks).',
  params: z.strictObject({}),
  create: () => new BestEligible('least-loaded-tokens', fewerTokens),
});
