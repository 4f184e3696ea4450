/**
 * The scorers that learn from settled attempts: quality and latency per agent, each an EWMA
 * kept in `onSettle`. Learning happens only in the hook, never in `score`, so a discarded pick
 * changes nothing.
 */
import type { AgentView } from '../../engine/agent.js';
import type { Outcome } from '../../engine/messages.js';
import type { DecisionContext } from '../../engine/strategy.js';
import type { FailureReason, TaskView } from '../../engine/task.js';
import { AgentEwma } from './agentEwma.js';
import { tokensAhead } from './estimates.js';
import { costsToScores, type Scorer } from './scoring.js';

/**
 * Failures that count as an attempt of quality 0: the agent ran the task and delivered nothing
 * usable. Lost agents and cancellations say nothing about the agent's work and are ignored.
 */
const AGENT_FAILURES: ReadonlySet<FailureReason> = new Set<FailureReason>(['agent-error', 'quality', 'timeout']);

/**
 * `quality-ewma`: the EWMA of the quality of the agent's settled attempts (a completed attempt
 * counts its reported quality; an agent-error, quality or timeout failure counts 0). An agent
 * with no settled attempt scores `prior`.
 */
export class QualityEwmaScorer implements Scorer {
  private readonly ewma: AgentEwma;

  /**
   * @param alpha - weight of the newest attempt, in (0, 1]
   * @param prior - score of an agent not yet seen, in [0, 1]; 1 is optimistic, so new agents get tried
   */
  constructor(alpha: number, private readonly prior: number) {
    this.ewma = new AgentEwma(alpha);
  }

  /** The agent's current quality estimate. */
  estimate(agent: AgentView): number {
    return this.ewma.get(agent.index, this.prior);
  }

  /** Writes each candidate's quality EWMA (or the prior) to `out`. */
  score(_task: TaskView, agents: readonly AgentView[], count: number, out: Float64Array): void {
    for (let i = 0; i < count; i++) out[i] = this.estimate(agents[i]!);
  }

  /** Folds the attempt's quality (0 for a failure that counts) into the agent's EWMA. */
  onSettle(_task: TaskView, agent: AgentView, outcome: Outcome): void {
    if (outcome.ok) this.ewma.observe(agent.index, outcome.quality, this.prior);
    else if (AGENT_FAILURES.has(outcome.reason)) this.ewma.observe(agent.index, 0, this.prior);
  }
}

/**
 * `latency-ewma`: the EWMA of the agent's observed seconds per token, measured on settled
 * attempts from the attempt's start (`task.startedAt`) to the settle time, divided by the
 * task's tokens. Completed attempts count, and so do timed-out ones (with the time they ran, a
 * lower bound), or an agent that hangs would never look slow. An agent not yet seen starts from
 * 1 / tokensPerSecond, the pace it declared.
 *
 * The score is a cost: the expected time to finish the task at that pace,
 * pace × (tokens ahead of it per slot + its own tokens), scaled against the other candidates
 * (see `costsToScores`). Under late binding every candidate has a free slot, so this ranks by
 * pace alone; under early binding it also counts the agent's queue.
 */
export class LatencyEwmaScorer implements Scorer {
  private readonly ewma: AgentEwma;

  /** @param alpha - weight of the newest attempt, in (0, 1] */
  constructor(alpha: number) {
    this.ewma = new AgentEwma(alpha);
  }

  /** The agent's current pace estimate, seconds per token. */
  secondsPerToken(agent: AgentView): number {
    return this.ewma.get(agent.index, 1 / agent.spec.tokensPerSecond);
  }

  /** Writes each candidate's scaled expected finishing time to `out`. */
  score(task: TaskView, agents: readonly AgentView[], count: number, out: Float64Array): void {
    // At least one token, so that a zero-token task still ranks agents by pace.
    const own = Math.max(task.spec.tokens, 1);
    for (let i = 0; i < count; i++) {
      const agent = agents[i]!;
      out[i] = this.secondsPerToken(agent) * (tokensAhead(agent) + own);
    }
    costsToScores(out, count);
  }

  /** Folds the attempt's seconds per token into the agent's EWMA. */
  onSettle(task: TaskView, agent: AgentView, outcome: Outcome, ctx: DecisionContext): void {
    const counts = outcome.ok || outcome.reason === 'timeout';
    if (!counts || !(task.spec.tokens > 0) || !Number.isFinite(task.startedAt)) return;
    const seconds = ctx.now - task.startedAt;
    this.ewma.observe(agent.index, seconds / task.spec.tokens, 1 / agent.spec.tokensPerSecond);
  }
}
