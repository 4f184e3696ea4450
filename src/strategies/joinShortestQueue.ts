/**
 * join-shortest-queue: the eligible agent with the fewest tasks in hand (active plus its own
 * queue), counted absolutely, not relative to capacity; ties go to the lowest index.
 *
 * The same indexed min-heap as least-connections, keyed by the task count: O(1) per decision,
 * O(log n) per load change. With early binding over identical agents this is the classical
 * JSQ policy; over agents of different capacities it overloads the small ones (a capacity-4
 * agent with 3 tasks looks busier than a capacity-1 agent with 2), which least-connections avoids.
 */
import { z } from 'zod';
import { defineStrategy } from './definition.js';
import { FewestByRank } from './leastConnections.js';
import { tasksInHand } from './pipeline/estimates.js';

/** Registry entry for `join-shortest-queue`. */
export const joinShortestQueue = defineStrategy({
  name: 'join-shortest-queue',
  description: 'The agent with the fewest tasks in hand, counted absolutely (indexed heap, O(log n)).',
  params: z.strictObject({}),
  create: () => new FewestByRank('join-shortest-queue', tasksInHand),
});
