/**
 * The run metrics over a window of recent time (`GET /v1/metrics?window=W`, docs/LIVE.md), in
 * memory that grows with neither the tasks nor W.
 *
 * Time is cut into intervals of a fixed width I, aligned to multiples of I on the run's clock
 * (interval k covers [k·I, (k+1)·I)). For each of the last few intervals the fold keeps two
 * things:
 * - the whole-history collector's running figures at the interval's start
 *   ({@link MetricsCollector.totals}): counts, token sums and time integrals only grow, so the
 *   figures of any stretch of time are the difference of the running figures at its two ends,
 *   and every one of them comes out of the collector's own fold (the counts about whole lives
 *   too: retried tasks settled, rounds of offers, workflows ended);
 * - what cannot be taken as a difference: sketches of the latencies of the tasks that
 *   completed in the interval and of the waits of the first attempts that started in it, the
 *   moments of those completions' qualities, the most tasks queued at once, and a sketch of the
 *   latencies of the workflows that completed in it.
 * A window's figures are then the totals at its end minus those at its start, with the samples
 * of its intervals merged (sketches merge bucket by bucket, so a window's quantiles are those of
 * one sketch of its samples). The class tables and tenant fairness are made the same way, class
 * by class (`recentClasses.ts`).
 *
 * A window of W seconds ending at `end` starts at the interval boundary at or before `end − W`:
 * it covers at least W seconds and less than W + I. When that start is at or before the run's
 * first task, the window is the whole history and starts with it, as the whole-history figures
 * do.
 *
 * Per event the fold adds one compare, and for a completion or a first start a sketch add, with
 * no allocation: replaying 1.4 million events of a simulated run, ~105–115 ns an event against
 * the collector's ~75–80 alone (best of 9, a shared two-core machine), whatever the interval
 * width. With one type, one priority and one tenant the class tables add nothing measurable to
 * that (the same replay, 1.4 million events of 20 agents at 700 tasks a second, on another day
 * and a loaded machine, alternating runs, best of 9 each: 71–123 ns an event with them, 75–113
 * without, the collector alone 47–78); with several classes in every dimension a completion or
 * first start adds a sample to its class in each (3 types, 4 priorities, 3 tenants mixed at
 * random: best 211 ns an event against 131 without, the collector alone ~100; about 0.4 µs a
 * task more). Entering an interval copies the collector's running figures (time and memory in
 * proportion to the agents and the classes) and trims the sketches of the one left to the
 * buckets they use; an answer merges the window's sketches (0.2–0.9 ms for 7 to 41 intervals of
 * 10 s of one class, 2.6–9 ms with the ten classes above, ~5 ms for 400 intervals of 1 s).
 */
import type { EngineEvent } from '../engine/messages.js';
import { EMPTY_TOTALS, type CollectorTotals, type MetricsCollector } from './collector.js';
import { gini, jain } from './inequality.js';
import { Moments } from './moments.js';
import { SampleSketch } from './sampleSketch.js';
import { settledCount, type ClassLedger } from './classes.js';
import { RecentClasses, type ClassedInterval, type ClassWindow, type IntervalClasses } from './recentClasses.js';
import { compactSamples, emptySamples, latencyMetrics, mergeSamples, qualityMetrics, ratio, waitMetrics, type TaskSamples } from './sampleStats.js';
import type { RunMetrics } from './types.js';

/** Most intervals a fold may keep: bounds its memory whatever the configuration. */
export const MAX_RECENT_INTERVALS = 100_000;

/** How the recent past is cut. */
export interface RecentMetricsOptions {
  /** Width of one interval, seconds (> 0): windows are whole intervals. */
  readonly intervalSeconds: number;
  /** Longest window that may be asked for, seconds (> 0): how many intervals are kept. */
  readonly longestWindowSeconds: number;
}

/**
 * What a window covers and how it was made.
 */
export interface WindowCoverage {
  /** The window asked for, seconds. */
  readonly requestedSeconds: number;
  /** The intervals' width, seconds: the window's start is moved back to an interval boundary. */
  readonly intervalSeconds: number;
  /**
   * Start of the window: the interval boundary at or before `endSeconds − requestedSeconds`, or
   * the first task's submission when that boundary is not later (then `wholeHistory`).
   */
  readonly startSeconds: number;
  /** End of the window: the time of the answer. */
  readonly endSeconds: number;
  /** Intervals merged: the one holding `startSeconds` up to the one holding `endSeconds` (partly elapsed). */
  readonly intervals: number;
  /** True when the window reaches back to the first task: its figures are the whole history's. */
  readonly wholeHistory: boolean;
}

/**
 * The run metrics document over a window. Every figure keeps its whole-history name and meaning
 * restricted to the window (docs/LIVE.md, "Metrics over a recent window"): tasks submitted in
 * it, tasks settled in it by final state, latencies of completions in it, waits of first starts
 * in it, work done in it by agent, integrals over it, over the agents in the fleet during it.
 * `tasks.inFlight` is the tasks in flight at its end. The class tables hold the classes that had
 * a task in flight at the window's start or submitted in it, each figure restricted as the
 * pooled one. The figures about whole lives count the lives that ended in the window, or the
 * events of them in it: `retrySuccess` the retried tasks that became final in it,
 * `workflows` the workflows that ended in it, `delegation.reOffersPerTask` the rounds of offers
 * after a task's first made in it per task first offered in it, `tenantFairness` the tenants'
 * shares of the window's tokens and the latencies and service times of its completions. None is
 * null for want of a window: each is a difference of running counts, or a sample kept per interval.
 */
export type WindowMetrics = RunMetrics;

/** A window's metrics and what it covers. */
export interface RecentWindow {
  /** What the window covers. */
  readonly window: WindowCoverage;
  /** The metrics over it. */
  readonly metrics: WindowMetrics;
}

/** What one interval keeps. */
interface Interval extends ClassedInterval {
  /** Interval `index` covers [index·I, (index + 1)·I). */
  readonly index: number;
  /** The collector's running figures at the interval's start, per agent only for {@link Interval.startAgents}. */
  readonly startTotals: CollectorTotals;
  /**
   * The agents whose figures `startTotals` holds, by agent index in ascending order: those that
   * had not left by the interval's start (a window starting there counts no other), so that the
   * intervals' memory follows the fleet, not every agent it ever had; null when that is all.
   */
  readonly startAgents: Int32Array | null;
  readonly latencies: SampleSketch;
  readonly waits: SampleSketch;
  readonly qualities: Moments;
  /** Most tasks queued at once in the interval, from the depth at its start. */
  maxQueued: number;
  classes: IntervalClasses | undefined;
  /** Latencies of the workflows that completed in the interval (undefined while none did). */
  workflowLatencies: SampleSketch | undefined;
}

/**
 * Feeds a {@link MetricsCollector} and keeps what its figures over recent windows need.
 *
 * Protocol: give every event to {@link RecentMetrics.observe} instead of the collector (it hands
 * the event on), then ask {@link RecentMetrics.window} at any time no earlier than the last
 * event. The collector must measure every task (no warm-up) and be fed by nothing else.
 */
export class RecentMetrics {
  private readonly intervalSeconds: number;
  private readonly longestWindowSeconds: number;
  private readonly ring: (Interval | undefined)[];
  private current: Interval | undefined;
  private nextBoundary = Number.NEGATIVE_INFINITY;
  /** When each agent left, by agent index (NaN while in the fleet). */
  private readonly leftAt: number[] = [];
  private readonly classes: RecentClasses;
  private readonly ledger: ClassLedger;

  /**
   * @param collector - the whole-history fold, fed only through this one.
   * @param options - the interval width and the longest window.
   */
  constructor(private readonly collector: MetricsCollector, options: RecentMetricsOptions) {
    const { intervalSeconds, longestWindowSeconds } = options;
    // The intervals' samples take every task's events; the collector's figures, measured tasks' only.
    if (!collector.measuresEveryTask) throw new Error('recent metrics: the collector must measure every task (no warm-up)');
    if (!(intervalSeconds > 0 && intervalSeconds < Number.POSITIVE_INFINITY)) throw new Error(`recent metrics: intervalSeconds must be > 0, got ${intervalSeconds}`);
    if (!(longestWindowSeconds > 0)) throw new Error(`recent metrics: longestWindowSeconds must be > 0, got ${longestWindowSeconds}`);
    const kept = Math.ceil(longestWindowSeconds / intervalSeconds);
    if (!(kept <= MAX_RECENT_INTERVALS)) throw new Error(`recent metrics: ${longestWindowSeconds} s of ${intervalSeconds} s intervals is more than ${MAX_RECENT_INTERVALS} intervals`);
    this.intervalSeconds = intervalSeconds;
    this.longestWindowSeconds = longestWindowSeconds;
    // The window's own intervals, the partly elapsed last one, and one for a start that rounding
    // of the division put an interval further back.
    this.ring = new Array<Interval | undefined>(kept + 2).fill(undefined);
    this.classes = new RecentClasses(collector);
    this.ledger = collector.classLedger;
    // The collector tells a workflow's completion as it folds the event, after `enter`.
    collector.onWorkflowCompleted((latencySeconds) => (this.current!.workflowLatencies ??= new SampleSketch()).add(latencySeconds));
  }

  /** Folds one event into the collector and into the interval it falls in. */
  observe(event: EngineEvent): void {
    const time = event.time;
    if (time >= this.nextBoundary) this.enter(time);
    this.collector.observe(event);
    if (event.kind !== 'transition') {
      if (event.kind === 'agentJoined') this.leftAt[event.agent.index] = Number.NaN;
      else if (event.kind === 'agentLeft') this.leftAt[event.agent.index] = time;
      return;
    }
    const interval = this.current!;
    switch (event.to) {
      case 'completed':
        // The classes first: a dimension splitting its samples copies the interval's pooled ones so far.
        if (this.ledger.splitDimensions !== 0) this.classes.completed(interval, event.task.spec, time - event.task.submittedAt, event.quality!);
        interval.latencies.add(time - event.task.submittedAt);
        interval.qualities.add(event.quality!);
        return;
      case 'running':
        // A first attempt's start, as the collector's wait: not a resumption, not a retry.
        if (event.from === 'assigned' && event.attempt === 1) {
          if (this.ledger.splitDimensions !== 0) this.classes.firstStarted(interval, event.task.spec, time - event.task.submittedAt);
          interval.waits.add(time - event.task.submittedAt);
        }
        return;
      case 'queued':
        if (this.collector.queued > interval.maxQueued) interval.maxQueued = this.collector.queued;
        return;
      default:
        return;
    }
  }

  /**
   * The metrics over the `requestedSeconds` before `endSeconds` (no earlier than the last event),
   * the start moved back to an interval boundary (see the module's comment).
   * @throws Error when `requestedSeconds` is not in (0, longest window] (callers validate it first).
   */
  window(requestedSeconds: number, endSeconds: number): RecentWindow {
    if (!(requestedSeconds > 0 && requestedSeconds <= this.longestWindowSeconds)) {
      throw new Error(`recent metrics: a window must be in (0, ${this.longestWindowSeconds}] seconds, got ${requestedSeconds}`);
    }
    const endTotals = this.collector.totals(endSeconds);
    const firstTask = this.collector.windowStartSeconds;
    let startIndex = this.intervalOf(endSeconds - requestedSeconds);
    let startSeconds = startIndex * this.intervalSeconds;
    const wholeHistory = !(startSeconds > firstTask);
    let startTotals: StartTotals;
    if (wholeHistory) {
      // Everything the collector counts came from the first task on: the totals before it are zero.
      startSeconds = Number.isNaN(firstTask) ? endSeconds : firstTask;
      startIndex = this.intervalOf(startSeconds);
      startTotals = { totals: EMPTY_TOTALS, agents: null };
    } else {
      startTotals = this.startTotalsOf(startIndex);
    }
    const endIndex = this.intervalOf(endSeconds);
    const samples = emptySamples();
    const workflowLatencies = new SampleSketch();
    let maxQueued = this.collector.queued;
    const current = this.current;
    const last = current === undefined ? startIndex - 1 : Math.min(endIndex, current.index);
    const intervals: Interval[] = [];
    for (let index = startIndex; index <= last; index++) {
      const interval = this.kept(index);
      if (interval === undefined) continue; // before the first event: nothing happened
      intervals.push(interval);
      mergeSamples(samples, interval);
      if (interval.workflowLatencies !== undefined) workflowLatencies.merge(interval.workflowLatencies);
      if (interval.maxQueued > maxQueued) maxQueued = interval.maxQueued;
    }
    const lengthSeconds = endSeconds - startSeconds;
    // The whole history counts every agent and every overdue deadline, from before its first task too.
    const fromSeconds = wholeHistory ? Number.NEGATIVE_INFINITY : startSeconds;
    const classStart = wholeHistory ? 'history' : current === undefined || startIndex > current.index ? 'now'
      : { startIndex, currentIndex: current.index, intervalAt: (index: number) => this.kept(index) };
    const classes = this.classes.window(classStart, intervals, samples, fromSeconds, endSeconds);
    const metrics = this.metricsBetween(startTotals, endTotals, fromSeconds, endSeconds, samples, workflowLatencies, classes);
    return {
      window: { requestedSeconds, intervalSeconds: this.intervalSeconds, startSeconds, endSeconds, intervals: endIndex - startIndex + 1, wholeHistory },
      metrics: {
        ...metrics,
        throughput: lengthSeconds > 0 ? metrics.tasks.completed / lengthSeconds : null,
        utilization: lengthSeconds > 0 ? metrics.utilization : null,
        maxQueueDepth: Number.isNaN(firstTask) ? null : maxQueued,
      },
    };
  }

  /**
   * The figures between two sets of running totals, over the agents in the fleet and the
   * deadlines falling from `fromSeconds` on (throughput, utilization and queue maximum set by the caller).
   */
  private metricsBetween(
    startAt: StartTotals, end: CollectorTotals, fromSeconds: number, endSeconds: number, samples: TaskSamples, workflowLatencies: SampleSketch, classes: ClassWindow,
  ): WindowMetrics {
    const start = startAt.totals;
    const completed = end.completed - start.completed;
    const agents = this.agentsDuring(fromSeconds, end.completedByAgent.length);
    const startPositions = positionsIn(startAt.agents, agents);
    const byAgent = (column: (totals: CollectorTotals) => Float64Array): Float64Array => {
      const values = new Float64Array(agents.length);
      const ended = column(end);
      const started = column(start);
      // An agent without a start figure joined after the start: it had done nothing then.
      for (let i = 0; i < agents.length; i++) values[i] = ended[agents[i]!]! - (started[startPositions[i]!] ?? 0);
      return values;
    };
    const completedByAgent = byAgent((totals) => totals.completedByAgent);
    const tokensByAgent = byAgent((totals) => totals.tokensByAgent);
    const busyByAgent = byAgent((totals) => totals.busySecondsByAgent);
    const drainingByAgent = byAgent((totals) => totals.drainingSecondsByAgent);
    const ids = this.collector.agentIdsByIndex;
    const perAgent = agents.map((index, i) => ({
      id: ids[index]!, completed: completedByAgent[i]!, tokens: tokensByAgent[i]!, busySeconds: busyByAgent[i]!, drainingSeconds: drainingByAgent[i]!,
    }));
    let drainingSeconds = 0;
    for (const seconds of drainingByAgent) drainingSeconds += seconds;
    const setupTokens = end.setupTokens - start.setupTokens;
    return {
      tasks: {
        submitted: end.submitted - start.submitted,
        completed,
        deadLettered: end.deadLettered - start.deadLettered,
        expired: end.expired - start.expired,
        cancelled: end.cancelled - start.cancelled,
        rejected: end.rejected - start.rejected,
        inFlight: end.submitted - settledCount(end),
      },
      latency: latencyMetrics(samples.latencies),
      wait: waitMetrics(samples.waits),
      gini: { tasks: gini(completedByAgent), tokens: gini(tokensByAgent) },
      jain: { tasks: jain(completedByAgent), tokens: jain(tokensByAgent) },
      tenantFairness: classes.tenantFairness,
      deadlineSuccess: ratio(end.deadlinesMet - start.deadlinesMet, end.deadlinesSettled - start.deadlinesSettled + this.collector.overdueInFlight(fromSeconds, endSeconds)),
      contextWaste: ratio(setupTokens, setupTokens + end.workTokens - start.workTokens),
      contextHitRate: ratio(end.contextHits - start.contextHits, end.contextKnown - start.contextKnown),
      quality: qualityMetrics(samples.qualities),
      priorityRespect: ratio(end.assignmentsRespected - start.assignmentsRespected, end.assignments - start.assignments),
      utilization: ratio(end.busySlotSeconds - start.busySlotSeconds, end.capacitySlotSeconds - start.capacitySlotSeconds),
      throughput: null,
      retries: end.retries - start.retries,
      retrySuccess: ratio(end.retriedCompleted - start.retriedCompleted, end.retriedSettled - start.retriedSettled),
      maxQueueDepth: null,
      delegation: {
        offersMade: end.offersMade - start.offersMade,
        offersRejected: end.offersRejected - start.offersRejected,
        reOffersPerTask: ratio(end.reOffers - start.reOffers, end.offeredTasks - start.offeredTasks),
        broadcastDuplicates: end.broadcastDuplicates - start.broadcastDuplicates,
      },
      workflows: {
        completed: end.workflowsCompleted - start.workflowsCompleted,
        failed: end.workflowsFailed - start.workflowsFailed,
        latency: latencyMetrics(workflowLatencies),
        deadlineSuccess: ratio(end.workflowDeadlinesMet - start.workflowDeadlinesMet, end.workflowDeadlines - start.workflowDeadlines),
      },
      fleet: {
        scaleUps: end.scaleUps - start.scaleUps,
        scaleDowns: end.scaleDowns - start.scaleDowns,
        agentSeconds: end.agentSeconds - start.agentSeconds,
        drainingSeconds,
      },
      byType: classes.byType,
      byPriority: classes.byPriority,
      byTenant: classes.byTenant,
      perAgent,
    };
  }

  /** Indexes of the agents that joined by the end and had not left before `startSeconds`. */
  private agentsDuring(startSeconds: number, joined: number): number[] {
    const agents: number[] = [];
    for (let index = 0; index < joined; index++) if (!(this.leftAt[index]! < startSeconds)) agents.push(index);
    return agents;
  }

  /** The collector's totals at the start of interval `index`: kept when an event came in it or later, else as they are now. */
  private startTotalsOf(index: number): StartTotals {
    if (this.current !== undefined && index <= this.current.index) {
      const interval = this.kept(index);
      if (interval === undefined) throw new Error(`recent metrics: interval ${index} is no longer kept`);
      return { totals: interval.startTotals, agents: interval.startAgents };
    }
    // No event since that boundary: the totals then are the totals now, integrals closed there.
    return { totals: this.collector.totals(index * this.intervalSeconds), agents: null };
  }

  /** Per-agent figures the kept intervals hold, four an agent an interval (a check on their memory). */
  get agentFiguresKept(): number {
    let figures = 0;
    for (const interval of this.ring) if (interval !== undefined) figures += 4 * interval.startTotals.completedByAgent.length;
    return figures;
  }

  /** Sets of samples by class the kept intervals hold, one per class with a sample in an interval (a check on their memory). */
  get classSamplesKept(): number {
    let sets = 0;
    for (const interval of this.ring) for (const byClass of interval?.classes?.samples ?? []) sets += byClass?.size ?? 0;
    return sets;
  }

  /** The collector's totals at `boundarySeconds`, per agent only for the agents not gone before it. */
  private totalsFrom(boundarySeconds: number): StartTotals {
    const totals = this.collector.totals(boundarySeconds);
    const joined = totals.completedByAgent.length;
    const present = this.agentsDuring(boundarySeconds, joined);
    if (present.length === joined) return { totals, agents: null };
    const only = (column: Float64Array): Float64Array => Float64Array.from(present, (index) => column[index]!);
    return {
      totals: {
        ...totals,
        completedByAgent: only(totals.completedByAgent), tokensByAgent: only(totals.tokensByAgent),
        busySecondsByAgent: only(totals.busySecondsByAgent), drainingSecondsByAgent: only(totals.drainingSecondsByAgent),
      },
      agents: Int32Array.from(present),
    };
  }

  /** The interval `index` when it is kept; undefined for an interval before the first event. */
  private kept(index: number): Interval | undefined {
    const interval = this.ring[this.slotOf(index)];
    if (interval !== undefined && interval.index === index) return interval;
    if (interval !== undefined && interval.index > index) throw new Error(`recent metrics: interval ${index} is no longer kept`);
    return undefined;
  }

  /** Moves on to the interval holding `time`, opening those between (at most the ring's length). */
  private enter(time: number): void {
    if (this.current !== undefined) {
      // The interval left takes no more samples: its sketches keep only the buckets they use.
      compactSamples(this.current);
      this.current.workflowLatencies?.compact();
      this.classes.closed(this.current);
    }
    const index = this.intervalOf(time);
    const from = this.current === undefined ? index : Math.max(this.current.index + 1, index - this.ring.length + 1);
    for (let next = from; next <= index; next++) {
      // No event since the boundary, so the totals at it are those now with integrals closed there.
      const start = this.totalsFrom(next * this.intervalSeconds);
      this.ring[this.slotOf(next)] = {
        index: next,
        startTotals: start.totals,
        startAgents: start.agents,
        latencies: new SampleSketch(),
        waits: new SampleSketch(),
        qualities: new Moments(),
        maxQueued: this.collector.queued,
        classes: undefined,
        workflowLatencies: undefined,
      };
    }
    this.current = this.ring[this.slotOf(index)]!;
    this.nextBoundary = (index + 1) * this.intervalSeconds;
  }

  /** Where interval `index` is kept in the ring. */
  private slotOf(index: number): number {
    const slot = index % this.ring.length;
    return slot < 0 ? slot + this.ring.length : slot;
  }

  /** The interval holding `time`: the k with k·I ≤ time < (k + 1)·I, boundaries computed as k·I. */
  private intervalOf(time: number): number {
    let index = Math.floor(time / this.intervalSeconds);
    // The division rounds: a time on a boundary computed as k·I may divide to just under k.
    if ((index + 1) * this.intervalSeconds <= time) index++;
    else if (index * this.intervalSeconds > time) index--;
    return index;
  }
}

/** Running totals at a window's start, per agent for `agents` (by index, ascending; null: every agent, by index). */
interface StartTotals {
  readonly totals: CollectorTotals;
  readonly agents: Int32Array | null;
}

/**
 * Where each of `agents` (ascending agent indexes) is in a start's per-agent columns held for
 * `held` (ascending; null: every agent at its own index); -1 for one not held.
 */
function positionsIn(held: Int32Array | null, agents: readonly number[]): Int32Array {
  if (held === null) return Int32Array.from(agents);
  const positions = new Int32Array(agents.length).fill(-1);
  let j = 0;
  for (let i = 0; i < agents.length; i++) {
    while (j < held.length && held[j]! < agents[i]!) j++;
    if (j < held.length && held[j] === agents[i]) positions[i] = j;
  }
  return positions;
}
