/**
 * skill-weighted: the eligible agent with the highest
 * w_skill·skill − w_load·(tasks in hand ÷ capacity) − w_context·context utilization,
 * ties to the lowest index. Built from the pipeline's parts: the `skill`, `load` and `context`
 * scorers with the `max` picker (each of those scorers is the term above plus a constant, so
 * the ranking is exactly the formula's).
 */
import { z } from 'zod';
import { defineStrategy } from './definition.js';
import { scoreWeight, strictParams } from './params.js';
import { PipelineStrategy, buildParts } from './pipeline/pipeline.js';

/** Parameters of `skill-weighted`: the three weights, each ≥ 0. */
export const skillWeightedParams = strictParams({
  /** Weight of the agent's skill for the task type. @defaultValue 0.5 */
  skill: scoreWeight.default(0.5),
  /** Weight of tasks in hand per slot. @defaultValue 0.3 */
  load: scoreWeight.default(0.3),
  /** Weight of context utilization. @defaultValue 0.2 */
  context: scoreWeight.default(0.2),
});

/** Registry entry for `skill-weighted`. */
export const skillWeighted = defineStrategy({
  name: 'skill-weighted',
  description: 'Highest w_skill·skill − w_load·load/capacity − w_context·context utilization.',
  params: skillWeightedParams,
  create: (params: z.output<typeof skillWeightedParams>) =>
    new PipelineStrategy(
      'skill-weighted',
      buildParts({
        filters: [],
        scorers: [
          { name: 'skill', weight: params.skill },
          { name: 'load', weight: params.load },
          { name: 'context', weight: params.context },
        ],
        picker: 'max',
        temperature: 1,
        fallback: 'unfiltered',
      }),
    ),
});
