/**
 * How a strategy is registered: a name, a one-line description, a schema for its parameters
 * (defaults included, so a scenario is fully specified once parsed) and a factory.
 */
import type { z } from 'zod';
import type { Strategy } from '../engine/strategy.js';

/** A registered strategy. `P` is its parameter object once defaults are applied. */
export interface StrategyDefinition<P = unknown> {
  /** Registry name used in scenario files and on the command line. */
  readonly name: string;
  /** One line for `fleetsim strategies`. */
  readonly description: string;
  /** Validates `params` from a scenario file and fills in defaults. */
  readonly params: z.ZodType<P>;
  /** A fresh strategy instance (strategies keep state, so one per engine). */
  create(params: P): Strategy;
}

/** Identity helper that keeps `P` linked between `params` and `create`. */
export function defineStrategy<P>(definition: StrategyDefinition<P>): StrategyDefinition<P> {
  return definition;
}
