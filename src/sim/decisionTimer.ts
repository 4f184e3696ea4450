/**
 * Wall-clock cost of routing. The engine brackets its work to route one task (its
 * `RouteProbe`: the strategy's pick plus the engine's own follow-up, constraint checks and their
 * fallback, and under early binding the queue, the refill and the thieves it wakes); the timer
 * times every `sampleEvery`-th of them. The figures go to the result's `timing` section, apart
 * from the simulated metrics that must be byte-identical run to run.
 */
import { quantileSorted } from 'simple-statistics';
import type { RouteProbe } from '../engine/engine.js';

/** Routing cost in microseconds, from the sampled decisions (quantiles null before any sample). */
export interface DecisionTiming {
  /** Routing decisions made. */
  readonly decisions: number;
  /** Decisions timed. */
  readonly sampled: number;
  /** Median. */
  readonly p50Us: number | null;
  /** 95th percentile. */
  readonly p95Us: number | null;
  /** 99th percentile. */
  readonly p99Us: number | null;
  /** 99.9th percentile. */
  readonly p999Us: number | null;
}

/** A route probe that times a sample of the engine's routing decisions. */
export class DecisionTimer implements RouteProbe {
  /**
   * Decisions until the next sampled one (1: this one), counted down: the same decisions as
   * `decisions % sampleEvery === 0` picks, without an integer division per decision. The decision
   * count is derived from it ({@link decisionCount}), so an unsampled `begin` writes one field and
   * is small enough for V8 to inline into the engine's routing.
   */
  private untilSample = 1;
  /** The value `untilSample` was last set to. */
  private countdownLength = 1;
  /** Decisions made before the countdown under way began. */
  private decisionsBefore = 0;
  private samples = new Float64Array(1024);
  private sampled = 0;
  /** When the sampled decision under way began (ms), or -1 when none is under way. */
  private startedAt = -1;

  /** @param sampleEvery - time one decision in this many (1 times all). */
  constructor(private readonly sampleEvery: number) {
    if (!Number.isInteger(sampleEvery) || sampleEvery < 1) throw new Error('sampleEvery must be an integer >= 1');
  }

  /** The engine starts routing a task: true when this decision is timed (then `end` follows). */
  begin(): boolean {
    if (--this.untilSample > 0) return false;
    return this.startSample();
  }

  /** The engine is done routing the sampled decision. */
  end(): void {
    if (this.startedAt < 0) return;
    this.record((performance.now() - this.startedAt) * 1000);
    this.startedAt = -1;
  }

  /** Quantiles of the sampled decision costs. */
  summary(): DecisionTiming {
    return decisionTiming(this.decisionCount, this.samples.subarray(0, this.sampled));
  }

  /** Decisions made so far (timed or not). */
  get decisionCount(): number {
    return this.decisionsBefore + this.countdownLength - this.untilSample;
  }

  /** The sampled costs in microseconds, in the order taken (a copy: to pool over runs). */
  samplesUs(): Float64Array {
    return this.samples.slice(0, this.sampled);
  }

  /** The countdown reached this decision: a new countdown starts, and this decision is timed. */
  private startSample(): boolean {
    this.decisionsBefore += this.countdownLength;
    this.countdownLength = this.untilSample = this.sampleEvery;
    this.startedAt = performance.now();
    return true;
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
  if (samplesUs.length === 0) return { decisions, sampled: 0, p50Us: null, p95Us: null, p99Us: null, p999Us: null };
  // Sorted as a typed array, numerically in native code: a million-task run's ~15,600 samples
  // took 15–30 ms through an array and a comparator, at the end of the run, before any output.
  // Read in place: quantileSorted only indexes and takes `length`, and copying the samples back
  // into an array cost a cold process 2–3 ms a call.
  const sorted = Float64Array.from(samplesUs).sort();
  const at = (p: number): number => quantileSorted(sorted as unknown as readonly number[], p);
  return { decisions, sampled: sorted.length, p50Us: at(0.5), p95Us: at(0.95), p99Us: at(0.99), p999Us: at(0.999) };
}
