/**
 * latency-ewma: routes to the agent that should finish the task soonest at its observed pace.
 * The pace is an EWMA of seconds per token over the agent's settled attempts (start to settle,
 * divided by the task's tokens; completions and timeouts count), learned in `onSettle`; an
 * agent not yet seen starts from 1 / tokensPerSecond, so it gets tried. Under late binding every
 * candidate has a free slot and this is simply the lowest EWMA; under early binding the tokens
 * queued ahead of the task count too. Built from the pipeline's `latency-ewma` scorer and the
 * `max` picker.
 */
import { z } from 'zod';
import { defineStrategy } from './definition.js';
import { ewmaAlpha, strictParams } from './params.js';
import { PipelineStrategy, buildParts } from './pipeline/pipeline.js';

/** Parameters of `latency-ewma`. */
export const latencyEwmaParams = strictParams({
  /** Weight of the newest attempt in the EWMA, in (0, 1]. @defaultValue 0.2 */
  alpha: ewmaAlpha.default(0.2),
});

/** Registry entry for `latency-ewma`. */
export const latencyEwma = defineStrategy({
  name: 'latency-ewma',
  description: 'The agent with the lowest EWMA of observed seconds per token (queued work counted).',
  params: latencyEwmaParams,
  create: (params: z.output<typeof latencyEwmaParams>) =>
    new PipelineStrategy(
      'latency-ewma',
      buildParts({
        filters: [],
        scorers: [{ name: 'latency-ewma', weight: 1, alpha: params.alpha }],
        picker: 'max',
        temperature: 1,
        fallback: 'unfiltered',
      }),
    ),
});
