/**
 * performance-based: weighs agents by recent quality. Each agent's quality is an EWMA over its
 * settled attempts (a completed attempt counts its reported quality, an agent-error, quality or
 * timeout failure counts 0), learned in `onSettle`; an agent not yet seen counts `prior`. The
 * picker then draws in proportion to it (`weighted-random`), takes the best (`max`), or draws
 * by softmax. Built from the pipeline's `quality-ewma` scorer and pickers.
 */
import { z } from 'zod';
import { defineStrategy } from './definition.js';
import { ewmaAlpha, share, strictParams } from './params.js';
import { PipelineStrategy, buildParts } from './pipeline/pipeline.js';
import { pickerSchema } from './pipeline/pickers.js';

/** Parameters of `performance-based`. */
export const performanceBasedParams = strictParams({
  /** Weight of the newest attempt in the EWMA, in (0, 1]. @defaultValue 0.2 */
  alpha: ewmaAlpha.default(0.2),
  /** Quality assumed for an agent with no settled attempt. @defaultValue 1 (optimistic: new agents get tried) */
  prior: share.default(1),
  /** @defaultValue `weighted-random` */
  picker: pickerSchema.default('weighted-random'),
  /** Softmax temperature, > 0 (softmax only). @defaultValue 0.1 */
  temperature: z.number().positive().default(0.1),
});

/** Registry entry for `performance-based`. */
export const performanceBased = defineStrategy({
  name: 'performance-based',
  description: 'Agents weighted by an EWMA of the quality of their recent attempts.',
  params: performanceBasedParams,
  create: (params: z.output<typeof performanceBasedParams>) =>
    new PipelineStrategy(
      'performance-based',
      buildParts({
        filters: [],
        scorers: [{ name: 'quality-ewma', weight: 1, alpha: params.alpha, prior: params.prior }],
        picker: params.picker,
        temperature: params.temperature,
        fallback: 'unfiltered',
      }),
    ),
});
