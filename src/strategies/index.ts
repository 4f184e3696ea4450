/**
 * The strategy registry: every strategy by its scenario-file name.
 */
import type { StrategyDefinition } from './definition.js';
import { leastConnections } from './leastConnections.js';
import { random } from './random.js';
import { roundRobin } from './roundRobin.js';

export type { StrategyDefinition } from './definition.js';
export { defineStrategy } from './definition.js';

/** Every registered strategy, in the order `fleetsim strategies` lists them. */
export const STRATEGIES: readonly StrategyDefinition<unknown>[] = [
  roundRobin as StrategyDefinition<unknown>,
  random as StrategyDefinition<unknown>,
  leastConnections as StrategyDefinition<unknown>,
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
