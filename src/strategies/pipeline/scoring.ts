/**
 * The scorer interface of the pipeline and the two ways a raw figure becomes a score.
 *
 * A scorer writes one score per candidate, higher is better. Scores are in [0, 1], with one
 * documented exception (`load` under early binding, see ./scorers.ts), so that weights mean
 * the same across scorers. Figures with a natural scale (skill, context utilization) are used
 * as they are; figures without one (tokens, seconds, tokens per second) are scaled against the
 * other candidates of the same decision, as the Kubernetes scheduler normalizes its scores.
 */
import type { AgentView } from '../../engine/agent.js';
import type { Outcome } from '../../engine/messages.js';
import type { DecisionContext } from '../../engine/strategy.js';
import type { TaskView } from '../../engine/task.js';

/** One scorer of a pipeline. */
export interface Scorer {
  /**
   * Writes the score of `agents[i]` for `task` into `out[i]`, for i in [0, count). Must not
   * change any state: a pick that is not used leaves no trace.
   */
  score(task: TaskView, agents: readonly AgentView[], count: number, out: Float64Array, ctx: DecisionContext): void;
  /** Learns from a settled attempt (scorers with state only). */
  onSettle?(task: TaskView, agent: AgentView, outcome: Outcome, ctx: DecisionContext): void;
}

/**
 * Turns costs (≥ 0, lower is better) into scores: 1 − cost / highest cost among the
 * candidates. The cheapest agent scores highest and the dearest 0; when every cost is 0, all
 * score 1. Scaling by the highest cost keeps score gaps proportional to cost gaps (unlike
 * min-max scaling, which would blow a one-token difference up to a full point).
 */
export function costsToScores(out: Float64Array, count: number): void {
  let highest = 0;
  for (let i = 0; i < count; i++) if (out[i]! > highest) highest = out[i]!;
  if (highest <= 0) {
    out.fill(1, 0, count);
    return;
  }
  for (let i = 0; i < count; i++) out[i] = 1 - out[i]! / highest;
}

/**
 * Turns benefits (≥ 0, higher is better) into scores: benefit / highest benefit among the
 * candidates, so the best agent scores 1. When every benefit is 0, all score 1.
 */
export function benefitsToScores(out: Float64Array, count: number): void {
  let highest = 0;
  for (let i = 0; i < count; i++) if (out[i]! > highest) highest = out[i]!;
  if (highest <= 0) {
    out.fill(1, 0, count);
    return;
  }
  for (let i = 0; i < count; i++) out[i] = out[i]! / highest;
}
