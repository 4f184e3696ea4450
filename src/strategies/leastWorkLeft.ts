/**
 * least-work-left: the eligible agent that would clear its work in hand soonest, outstanding
 * tokens ÷ (capacity × tokens per second); ties go to the faster agent, then the lowest index.
 * With known task sizes and FCFS agents, sending each task where the least work remains makes
 * the fleet behave like one central M/G/c queue (Harchol-Balter); dividing by capacity extends
 * the rule to agents with several slots.
 */
import { z } from 'zod';
import type { AgentView } from '../engine/agent.js';
import { BestEligible } from './bestAgent.js';
import { defineStrategy } from './definition.js';
import { workLeftSeconds } from './pipeline/estimates.js';

/** Less work in hand, in seconds; on a tie, the faster agent. */
function lessWorkLeft(a: AgentView, b: AgentView): boolean {
  const seconds = workLeftSeconds(a);
  const best = workLeftSeconds(b);
  return seconds < best || (seconds === best && a.spec.tokensPerSecond > b.spec.tokensPerSecond);
}

/** Registry entry for `least-work-left`. */
export const leastWorkLeft = defineStrategy({
  name: 'least-work-left',
  description: 'The agent with the least work in hand, in seconds: tokens ÷ (capacity × speed).',
  params: z.strictObject({}),
  create: () => new BestEligible('least-work-left', lessWorkLeft),
});
