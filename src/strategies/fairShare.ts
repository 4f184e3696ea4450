/**
 * fair-share: least-loaded-tokens routing over queues in the `fair` order.
 *
 * - Queue order: within a priority level, the oldest task of the tenant with the least service
 *   so far (virtual token counters; src/engine/tenantCounters.ts and docs/STRATEGIES.md).
 *   Priority still comes first: fairness is within each level.
 * - Routing: exactly `least-loaded-tokens`' (the fewest outstanding tokens per slot), so that a
 *   comparison of the two isolates the queue order.
 */
import { z } from 'zod';
import { BestEligible } from './bestAgent.js';
import { defineStrategy } from './definition.js';
import { fewerTokens } from './leastLoadedTokens.js';

/** Registry entry for `fair-share`. */
export const fairShare = defineStrategy({
  name: 'fair-share',
  description: 'Queues fair across tenants (virtual token counters); each task to the agent with the fewest outstanding tokens per slot.',
  params: z.strictObject({}),
  create: () => new BestEligible('fair-share', fewerTokens, 'fair'),
});
