/**
 * scored: the filter → score → pick pipeline, configured entirely from the scenario file
 * (`filters`, weighted `scorers`, `picker`, `temperature`, `fallback`; see ./pipeline/pipeline.ts
 * and docs/STRATEGIES.md). With no parameters it is least-connections: one `load` scorer and
 * the `max` picker.
 */
import { defineStrategy } from './definition.js';
import { PipelineStrategy, buildParts, pipelineSchema } from './pipeline/pipeline.js';

/** Registry entry for `scored`. */
export const scored = defineStrategy({
  name: 'scored',
  description: 'A pipeline from the scenario file: filters, weighted scorers, then max, weighted-random or softmax.',
  params: pipelineSchema,
  create: (params) => new PipelineStrategy('scored', buildParts(params)),
});
