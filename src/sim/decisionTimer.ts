/**
 * Wall-clock cost of routing decisions. Wraps a strategy so that every `sampleEvery`-th
 * `pickAgent` call is timed; the figures go to the result's `timing` section, apart from the
 * simulated metrics that must be byte-identical run to run.
 */
import { quantileSorted } from 'simple-statistics';
import type { DecisionContext, Strategy } from '../engine/strategy.js';
import type { TaskView } from '../engine/task.js';

/** Decision cost in microseconds, from the sampled calls. */
export interface DecisionTiming {
  readonly decisions: number;
  readonly sampled: number;
  readonly p50Us: number | null;
  readonly p95Us: number | null;
}

/** A strategy wrapper that times a sample of its decisions. */
export class DecisionTimer {
  private decisions = 0;
  private samples = new Float64Array(1024);
  private sampled = 0;

  /** @param sampleEvery - time one call in this many (1 times all). */
  constructor(private readonly sampleEvery: number) {
    if (!Number.isInteger(sampleEvery) || sampleEvery < 1) throw new Error('sampleEvery must be an integer >= 1');
  }

  /** `strategy` with its `pickAgent` timed; every other member passes through. */
  wrap(strategy: Strategy): Strategy {
    const pick = strategy.pickAgent.bind(strategy);
    // Delegate with methods bound to the original, so the strategy's state stays in one object.
    return {
      name: strategy.name,
      pickAgent: (task: TaskView, ctx: DecisionContext) => {
        if (this.decisions++ % this.sampleEvery !== 0) return pick(task, ctx);
        const start = performance.now();
        const agent = pick(task, ctx);
        this.record((performance.now() - start) * 1000);
        return agent;
      },
      admit: strategy.admit?.bind(strategy),
      onAssign: strategy.onAssign?.bind(strategy),
      onSettle: strategy.onSettle?.bind(strategy),
      onAgentJoined: strategy.onAgentJoined?.bind(strategy),
      onAgentLeft: strategy.onAgentLeft?.bind(strategy),
      onAgentLoadChanged: strategy.onAgentLoadChanged?.bind(strategy),
      queueOrder: strategy.queueOrder,
      steal: strategy.steal?.bind(strategy),
      stealRules: strategy.stealRules,
      prewarm: strategy.prewarm?.bind(strategy),
      onSubmitted: strategy.onSubmitted?.bind(strategy),
      // Every member of Strategy must be listed: a hook added later and not forwarded fails to compile.
    } satisfies Record<keyof Strategy, unknown>;
  }

  /** Quantiles of the sampled decision costs. */
  summary(): DecisionTiming {
    return decisionTiming(this.decisions, this.samples.subarray(0, this.sampled));
  }

  /** Decisions made so far (timed or not). */
  get decisionCount(): number {
    return this.decisions;
  }

  /** The sampled costs in microseconds, in the order taken (a copy: to pool over runs). */
  samplesUs(): Float64Array {
    return this.samples.slice(0, this.sampled);
  }

  private record(us: number): void {
    if (this.sampled === this.samples.length) {
      const grown = new Float64Array(this.samples.length * 2);
      grown.set(this.samples);
      this.samples = grown;
    }
    this.samples[this.sampled++] = us;
  }
}

/** Timing of `decisions` decisions from sampled costs (microseconds), pooled from any runs. */
export function decisionTiming(decisions: number, samplesUs: ArrayLike<number>): DecisionTiming {
  if (samplesUs.length === 0) return { decisions, sampled: 0, p50Us: null, p95Us: null };
  const sorted = Array.from(samplesUs).sort((a, b) => a - b);
  return { decisions, sampled: sorted.length, p50Us: quantileSorted(sorted, 0.5), p95Us: quantileSorted(sorted, 0.95) };
}
