/**
 * The strategy registry: every strategy by its scenario-file name.
 */
import type { StrategyDefinition } from './definition.js';
import { leastConnections } from './leastConnections.js';
import { random } from './random.js';
import { roundRobin } from './roundRobin.js';
// strategies that scan the fleet per decision: the scored pipeline, its fixed configurations, rankings
import { capabilityMatch } from './capabilityMatch.js';
import { latencyEwma } from './latencyEwma.js';
import { leastLoadedTokens } from './leastLoadedTokens.js';
import { leastWorkLeft } from './leastWorkLeft.js';
import { performanceBased } from './performanceBased.js';
import { scored } from './scored.js';
import { skillWeighted } from './skillWeighted.js';
import { weightedRoundRobin } from './weightedRoundRobin.js';
// indexed strategies (no decision scans the fleet)
import { cacheAware } from './cacheAware.js';
import { consistentHash } from './consistentHash.js';
import { joinIdleQueue } from './joinIdleQueue.js';
import { joinShortestQueue } from './joinShortestQueue.js';
import { powerOfD } from './powerOfD.js';
// strategies that use engine support (queue order, stealing)
import { contextBatching } from './contextBatching.js';
import { deadlineAware } from './deadlineAware.js';
import { fairShare } from './fairShare.js';
import { predictive } from './predictive.js';
import { workStealing } from './workStealing.js';

export type { StrategyDefinition } from './definition.js';
export { defineStrategy } from './definition.js';

/** Every registered strategy, in the order `fleetsim strategies` lists them. */
export const STRATEGIES: readonly StrategyDefinition<unknown>[] = [
  roundRobin as StrategyDefinition<unknown>,
  random as StrategyDefinition<unknown>,
  leastConnections as StrategyDefinition<unknown>,
  weightedRoundRobin as StrategyDefinition<unknown>,
  leastLoadedTokens as StrategyDefinition<unknown>,
  leastWorkLeft as StrategyDefinition<unknown>,
  capabilityMatch as StrategyDefinition<unknown>,
  skillWeighted as StrategyDefinition<unknown>,
  performanceBased as StrategyDefinition<unknown>,
  latencyEwma as StrategyDefinition<unknown>,
  scored as StrategyDefinition<unknown>,
  joinShortestQueue as StrategyDefinition<unknown>,
  powerOfD as StrategyDefinition<unknown>,
  joinIdleQueue as StrategyDefinition<unknown>,
  consistentHash as StrategyDefinition<unknown>,
  cacheAware as StrategyDefinition<unknown>,
  workStealing as StrategyDefinition<unknown>,
  contextBatching as StrategyDefinition<unknown>,
  deadlineAware as StrategyDefinition<unknown>,
  fairShare as StrategyDefinition<unknown>,
  predictive as StrategyDefinition<unknown>,
];

const byName = new Map(STRATEGIES.map((definition) => [definition.name, definition]));

/** The registered strategy named `name`, or undefined. */
export function findStrategy(name: string): StrategyDefinition<unknown> | undefined {
  return byName.get(name);
}

/** Registered names, for error messages. */
export function strategyNames(): string[] {
  return STRATEGIES.map((definition) => definition.name);
}
