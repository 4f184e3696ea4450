/**
 * The filter → score → pick pipeline (docs/STRATEGIES.md, `scored`; after the Kubernetes scheduler
 * framework and llm-d's endpoint picker): the binding filter and the configured filters narrow
 * the fleet to candidates, weighted scorers add up a total per candidate, and a picker chooses.
 * `scored` exposes it to scenario files; the named scorer-based strategies (`skill-weighted`,
 * `performance-based`, `latency-ewma`) are fixed configurations of the same parts.
 *
 * A decision allocates nothing: the candidate list and the score columns are reused and grow
 * only with the fleet.
 */
import { z } from 'zod';
import type { AgentView } from '../../engine/agent.js';
import type { Outcome } from '../../engine/messages.js';
import { isEligible, type DecisionContext, type Strategy } from '../../engine/strategy.js';
import type { TaskView } from '../../engine/task.js';
import { strictParams } from '../params.js';
import { createFilter, filterSchema, type Filter } from './filters.js';
import { createPicker, pickerSchema, type Picker } from './pickers.js';
import { createScorer, scorerSchema } from './scorers.js';
import type { Scorer } from './scoring.js';

/**
 * What happens when candidates exist but none passes the filters:
 * - `unfiltered`: score every eligible agent as if there were no filters (never leaves a free
 *   agent idle while work waits);
 * - `wait`: pick nobody while some accepting agent in the fleet would pass (it is busy; under
 *   late binding the task waits in the pool for it); when no accepting agent passes at all,
 *   fall back as `unfiltered`, so that no task is stranded by a filter nobody can meet.
 */
export const fallbackSchema = z.enum(['unfiltered', 'wait']);

/** The `params` of `scored`: a whole pipeline, every field with a default. */
export const pipelineSchema = strictParams({
  /** Filters, all of which a candidate must pass. @defaultValue none */
  filters: z.array(filterSchema).default([]),
  /** Weighted scorers; at least one. @defaultValue `[{ name: load, weight: 1 }]` (least-connections) */
  scorers: z.array(scorerSchema).min(1).default([{ name: 'load', weight: 1 }]),
  /** @defaultValue `max` */
  picker: pickerSchema.default('max'),
  /** Softmax temperature, > 0 (ignored by the other pickers). @defaultValue 0.1 */
  temperature: z.number().positive().default(0.1),
  /** @defaultValue `unfiltered` */
  fallback: fallbackSchema.default('unfiltered'),
});

/** A parsed pipeline configuration. */
export type PipelineConfig = z.output<typeof pipelineSchema>;

/** A scorer and the weight of its score in the total. */
export interface WeightedScorer {
  /** The scorer. */
  readonly scorer: Scorer;
  /** Weight of its score in the total. */
  readonly weight: number;
}

/** The parts of one pipeline, built. */
export interface PipelineParts {
  /** Filters an agent must pass, in order. */
  readonly filters: readonly Filter[];
  /** Scorers whose weighted scores are summed. */
  readonly scorers: readonly WeightedScorer[];
  /** Picks among the scored agents. */
  readonly picker: Picker;
  /** What to do when every agent is filtered out. */
  readonly fallback: z.output<typeof fallbackSchema>;
}

/** Fresh parts for a configuration (learning scorers keep state, so one set per strategy). */
export function buildParts(config: PipelineConfig): PipelineParts {
  return {
    filters: config.filters.map(createFilter),
    scorers: config.scorers.map((entry) => ({ scorer: createScorer(entry), weight: entry.weight })),
    picker: createPicker(config.picker, config.temperature),
    fallback: config.fallback,
  };
}

/** A strategy that is one pipeline: `pickAgent` runs it, `onSettle` feeds its learning scorers. */
export class PipelineStrategy implements Strategy {
  private readonly filters: readonly Filter[];
  private readonly scorers: readonly WeightedScorer[];
  private readonly learners: readonly Scorer[];
  private readonly picker: Picker;
  private readonly fallback: PipelineParts['fallback'];
  /** Candidates of the current decision in [0, count); reused, never shrunk. */
  private readonly candidates: AgentView[] = [];
  private totals = new Float64Array(16);
  private column = new Float64Array(16);

  /** @param name - the strategy's label; @param parts - the pipeline, built. */
  constructor(readonly name: string, parts: PipelineParts) {
    if (parts.scorers.length === 0) throw new Error(`${name}: a pipeline needs at least one scorer`);
    this.filters = parts.filters;
    this.scorers = parts.scorers;
    this.learners = parts.scorers.map((s) => s.scorer).filter((s) => s.onSettle !== undefined);
    this.picker = parts.picker;
    this.fallback = parts.fallback;
  }

  /** Runs the pipeline: filters, scores, picks; undefined when no agent is eligible. */
  pickAgent(task: TaskView, ctx: DecisionContext): AgentView | undefined {
    const agents = ctx.fleet.agents;
    if (this.totals.length < agents.length) this.grow(agents.length);
    let count = this.gather(task, ctx, true);
    if (count === 0 && this.filters.length > 0) {
      if (this.fallback === 'wait' && this.someAcceptingAgentPasses(task, agents)) return undefined;
      count = this.gather(task, ctx, false);
    }
    if (count <= 1) return count === 1 ? this.candidates[0] : undefined;
    const totals = this.totals;
    const column = this.column;
    totals.fill(0, 0, count);
    for (let s = 0; s < this.scorers.length; s++) {
      const { scorer, weight } = this.scorers[s]!;
      if (weight === 0) continue;
      scorer.score(task, this.candidates, count, column, ctx);
      for (let i = 0; i < count; i++) totals[i]! += weight * column[i]!;
    }
    const chosen = this.picker(totals, count, ctx.random);
    if (!(chosen >= 0 && chosen < count)) throw new Error(`${this.name}: picker chose ${chosen} of ${count} candidates`);
    return this.candidates[chosen];
  }

  /** Feeds the settled attempt to the learning scorers. */
  onSettle(task: TaskView, agent: AgentView, outcome: Outcome, ctx: DecisionContext): void {
    for (let i = 0; i < this.learners.length; i++) this.learners[i]!.onSettle!(task, agent, outcome, ctx);
  }

  /** Puts the eligible agents (passing the filters when `filtered`) first in `candidates`. */
  private gather(task: TaskView, ctx: DecisionContext, filtered: boolean): number {
    const agents = ctx.fleet.agents;
    let count = 0;
    for (let i = 0; i < agents.length; i++) {
      const agent = agents[i]!;
      if (!isEligible(agent, ctx.binding)) continue;
      if (filtered && !this.passes(task, agent)) continue;
      this.candidates[count++] = agent;
    }
    return count;
  }

  private passes(task: TaskView, agent: AgentView): boolean {
    for (let f = 0; f < this.filters.length; f++) if (!this.filters[f]!(task, agent)) return false;
    return true;
  }

  private someAcceptingAgentPasses(task: TaskView, agents: readonly AgentView[]): boolean {
    for (let i = 0; i < agents.length; i++) if (agents[i]!.accepting && this.passes(task, agents[i]!)) return true;
    return false;
  }

  private grow(fleetSize: number): void {
    let length = this.totals.length;
    while (length < fleetSize) length *= 2;
    this.totals = new Float64Array(length);
    this.column = new Float64Array(length);
  }
}
