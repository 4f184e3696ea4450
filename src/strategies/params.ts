/**
 * Zod building blocks for strategy parameters, so that every strategy's schema reads alike and
 * its errors say what a scenario author needs to fix.
 */
import { z } from 'zod';

/**
 * A strict object whose unknown-key error names the key and lists the known ones, so that a
 * typo such as `minSkil` reads as one in the scenario loader's one-line error.
 */
export function strictParams<Shape extends z.core.$ZodLooseShape>(shape: Shape) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code !== 'unrecognized_keys') return undefined;
      return `unknown field "${issue.keys[0] ?? ''}"; known fields: ${known.join(', ')}`;
    },
  });
}

/** A number in [0, 1]: a skill, a share, a quality. */
export const share = z.number().min(0).max(1);

/** A non-negative weight of a scorer. */
export const scoreWeight = z.number().min(0);

/** The smoothing factor of an exponentially weighted moving average, in (0, 1]. */
export const ewmaAlpha = z.number().positive().max(1);
