/**
 * Time series of one run for charts: the queue depth over time and the latency distribution.
 * The summaries of `collector.ts` reduce a run to numbers; a report also wants shapes.
 *
 * {@link SeriesCollector} is a second, opt-in {@link EventSink}, fed the same stream as the
 * metrics collector (the simulator tees the two only when a caller asks for series), so the hot
 * path of ordinary runs does not change. Its memory does not grow with the number of tasks:
 *
 * - queue depth: every task in state `queued` (warm-up included, as `maxQueueDepth`), integrated
 *   over at most `maxBuckets` equal time buckets from time 0. The bucket width starts at
 *   `initialBucketSeconds` and doubles (merging neighbours) whenever the run outgrows the
 *   buckets, so a run longer than `maxBuckets / 2` initial buckets ends with between
 *   `maxBuckets / 2` and `maxBuckets` of them, whatever its length.
 *   Each bucket keeps the time-weighted mean depth and the largest depth reached in it.
 * - latency: submit → completed of completed measured tasks (the collector's warm-up rule), in
 *   a quantile sketch (`sampleSketch.ts`), reduced at the end to the quantiles at `cdfPoints`
 *   evenly spaced shares from 0 to 1: as the collector's p95, within
 *   `QUANTILE_RELATIVE_ACCURACY` (0.5%) of the exact quantiles (shares 0 and 1, the minimum and
 *   maximum, are exact).
 */
import type { AgentView } from '../engine/agent.js';
import { replayEvent, type EventSink } from '../engine/eventSink.js';
import type { EngineEvent } from '../engine/messages.js';
import type { FailureReason, TaskState, TaskView } from '../engine/task.js';
import type { CollectorOptions } from './collector.js';
import { SampleSketch } from './sampleSketch.js';

/** Queue depth over time, one entry per bucket (parallel arrays, bucket order). */
export interface QueueDepthSeries {
  /** Width of every bucket, seconds. */
  readonly bucketSeconds: number;
  /** Start of each bucket, seconds (bucket i starts at i · bucketSeconds). */
  readonly time: readonly number[];
  /** Time-weighted mean number of queued tasks over the bucket (its part before the end). */
  readonly mean: readonly number[];
  /** Most tasks queued at once during the bucket. */
  readonly max: readonly number[];
}

/** The empirical distribution of latencies (parallel arrays, share order). */
export interface LatencyCdf {
  /** Completed measured tasks the distribution is made of. */
  readonly count: number;
  /** Cumulative shares, ascending from 0 to 1. */
  readonly share: readonly number[];
  /** Latency at each share, seconds (non-decreasing). */
  readonly latency: readonly number[];
}

/** The series of one run: plain data, written to JSON as it is. */
export interface RunSeries {
  /** Queue depth over simulated time. */
  readonly queueDepth: QueueDepthSeries;
  /** Distribution of the completed tasks' latencies. */
  readonly latencyCdf: LatencyCdf;
}

/** How fine the series are. */
export interface SeriesOptions extends CollectorOptions {
  /** Most queue-depth buckets kept. @defaultValue 200 */
  readonly maxBuckets?: number;
  /** Width of the first buckets, seconds; doubled as the run grows. @defaultValue 1/1024 */
  readonly initialBucketSeconds?: number;
  /** Points of the latency distribution, shares 0, 1/(n−1), …, 1. @defaultValue 101 */
  readonly cdfPoints?: number;
}

/**
 * Folds engine events into a {@link RunSeries}.
 *
 * Protocol: pass it to the engine as an event sink (beside the metrics collector), or call
 * {@link SeriesCollector.observe} with every event object in emission order; then
 * {@link SeriesCollector.finish} with the run's end time.
 */
export class SeriesCollector implements EventSink {
  private readonly warmupTimeSeconds: number;
  private readonly warmupTasks: number;
  private readonly cdfPoints: number;
  private readonly buckets: Buckets;
  private lastTime = 0;
  /** Queued tasks now, and since when. */
  private depth = 0;
  private depthSince = 0;
  private readonly latencies = new SampleSketch();

  /** @param options - the warm-up (as for the metrics collector) and the resolution. */
  constructor(options: SeriesOptions) {
    const { warmupTimeSeconds, warmupTasks, maxBuckets = 200, initialBucketSeconds = 1 / 1024, cdfPoints = 101 } = options;
    if (!(warmupTimeSeconds >= 0) || !(warmupTasks >= 0)) throw new Error(`series: warm-up must be >= 0, got ${warmupTimeSeconds} s, ${warmupTasks} tasks`);
    if (!Number.isInteger(maxBuckets) || maxBuckets < 2) throw new Error(`series: maxBuckets must be an integer >= 2, got ${maxBuckets}`);
    if (!(initialBucketSeconds > 0 && Number.isFinite(initialBucketSeconds))) throw new Error(`series: initialBucketSeconds must be finite and > 0, got ${initialBucketSeconds}`);
    if (!Number.isInteger(cdfPoints) || cdfPoints < 2) throw new Error(`series: cdfPoints must be an integer >= 2, got ${cdfPoints}`);
    this.warmupTimeSeconds = warmupTimeSeconds;
    this.warmupTasks = warmupTasks;
    this.cdfPoints = cdfPoints;
    this.buckets = new Buckets(maxBuckets, initialBucketSeconds);
  }

  /** Folds one event object in (the same fold as the {@link EventSink} methods). */
  observe(event: EngineEvent): void {
    replayEvent(event, this);
  }

  /** {@inheritDoc EventSink.submitted} */
  submitted(time: number): void {
    this.advance(time);
  }

  /** {@inheritDoc EventSink.assigned} */
  assigned(time: number, _task: TaskView, from: TaskState): void {
    this.advance(time);
    if (from === 'queued') this.changeDepth(time, -1);
  }

  /** {@inheritDoc EventSink.started} */
  started(time: number): void {
    this.advance(time);
  }

  /** {@inheritDoc EventSink.completed} */
  completed(time: number, task: TaskView): void {
    this.advance(time);
    if (task.submittedAt >= this.warmupTimeSeconds && task.seq >= this.warmupTasks) this.latencies.add(time - task.submittedAt);
  }

  /**
   * Every other transition: entering `queued` adds a task to the queue; leaving it (for
   * `offered` or a final state) takes one away, per the lifecycle table of
   * src/engine/lifecycle.ts.
   */
  transition(time: number, _task: TaskView, from: TaskState, to: TaskState, _agent: AgentView | undefined, _reason: FailureReason | undefined): void {
    this.advance(time);
    if (to === 'queued') this.changeDepth(time, 1);
    else if (from === 'queued') this.changeDepth(time, -1);
  }

  /** {@inheritDoc EventSink.agentJoined} */
  agentJoined(time: number): void {
    this.advance(time);
  }

  /** {@inheritDoc EventSink.agentLeft} */
  agentLeft(time: number): void {
    this.advance(time);
  }

  /** {@inheritDoc EventSink.prewarm} */
  prewarm(time: number): void {
    this.advance(time);
  }

  /** {@inheritDoc EventSink.staleResult} */
  staleResult(time: number): void {
    this.advance(time);
  }

  /** {@inheritDoc EventSink.offerMade} */
  offerMade(time: number): void {
    this.advance(time);
  }

  /** {@inheritDoc EventSink.offerAnswered} */
  offerAnswered(time: number): void {
    this.advance(time);
  }

  /** {@inheritDoc EventSink.duplicateClaim} */
  duplicateClaim(time: number): void {
    this.advance(time);
  }

  /** {@inheritDoc EventSink.agentDraining} */
  agentDraining(time: number): void {
    this.advance(time);
  }

  /** {@inheritDoc EventSink.scaled} */
  scaled(time: number): void {
    this.advance(time);
  }

  /** {@inheritDoc EventSink.admin} */
  admin(time: number): void {
    this.advance(time);
  }

  /**
   * The series of the run so far, closed at `endTimeSeconds` (no earlier than the last event).
   * The collector is left able to observe more events, so a live driver may take snapshots.
   */
  finish(endTimeSeconds: number): RunSeries {
    if (!(endTimeSeconds >= this.lastTime && Number.isFinite(endTimeSeconds))) {
      throw new Error(`series: end time ${endTimeSeconds} is before the last event (${this.lastTime}) or not finite`);
    }
    return { queueDepth: this.queueDepth(endTimeSeconds), latencyCdf: this.latencyCdf() };
  }

  private advance(time: number): void {
    if (!(time >= this.lastTime)) throw new Error(`series: event at ${time} after one at ${this.lastTime}`);
    this.lastTime = time;
  }

  /** Integrates the current depth up to `time`, then changes it by `delta`. */
  private changeDepth(time: number, delta: 1 | -1): void {
    this.buckets.fitEvent(time);
    this.buckets.hold(this.depthSince, time, this.depth);
    this.depthSince = time;
    this.depth += delta;
    if (this.depth < 0) throw new Error(`series: queue depth below zero at ${time}`);
    this.buckets.reach(time, this.depth);
  }

  private queueDepth(endTimeSeconds: number): QueueDepthSeries {
    // A copy, so that closing the window here does not count the stretch to the end twice
    // if the fold goes on.
    const closed = this.buckets.copy();
    closed.fitEnd(endTimeSeconds);
    closed.hold(this.depthSince, endTimeSeconds, this.depth);
    const width = closed.widthSeconds;
    const count = Math.ceil(endTimeSeconds / width);
    const time: number[] = [];
    const mean: number[] = [];
    const max: number[] = [];
    for (let i = 0; i < count; i++) {
      const start = i * width;
      time.push(start);
      mean.push(closed.integral(i) / (Math.min(endTimeSeconds, start + width) - start));
      max.push(closed.max(i));
    }
    return { bucketSeconds: width, time, mean, max };
  }

  private latencyCdf(): LatencyCdf {
    const count = this.latencies.count;
    if (count === 0) return { count: 0, share: [], latency: [] };
    const share: number[] = [];
    const latency: number[] = [];
    for (let i = 0; i < this.cdfPoints; i++) {
      const p = i / (this.cdfPoints - 1);
      share.push(p);
      latency.push(this.latencies.quantile(p)!);
    }
    return { count, share, latency };
  }
}

/**
 * Equal time buckets from 0, each with an integral of depth over time and a maximum; at most
 * `limit` of them, the width doubling (neighbours merged) when time outgrows them.
 */
class Buckets {
  constructor(
    private readonly limit: number,
    public widthSeconds: number,
    private integrals: number[] = [],
    private maxima: number[] = [],
  ) {}

  copy(): Buckets {
    return new Buckets(this.limit, this.widthSeconds, [...this.integrals], [...this.maxima]);
  }

  integral(bucket: number): number {
    return this.integrals[bucket] ?? 0;
  }

  max(bucket: number): number {
    return this.maxima[bucket] ?? 0;
  }

  /** Coarsens until an event at `time` falls in one of the buckets. */
  fitEvent(time: number): void {
    while (Math.floor(time / this.widthSeconds) >= this.limit) this.coarsen();
  }

  /** Coarsens until the buckets up to `time` (exclusive) are at most the limit. */
  fitEnd(time: number): void {
    while (Math.ceil(time / this.widthSeconds) > this.limit) this.coarsen();
  }

  /** A depth of `depth` held from `from` to `to`: integrated, and a maximum in every bucket it spans. */
  hold(from: number, to: number, depth: number): void {
    if (to <= from) return;
    for (let bucket = Math.floor(from / this.widthSeconds); ; bucket++) {
      const end = Math.min(to, (bucket + 1) * this.widthSeconds);
      this.grow(bucket);
      this.integrals[bucket]! += depth * (end - from);
      if (depth > this.maxima[bucket]!) this.maxima[bucket] = depth;
      if (end >= to) return;
      from = end;
    }
  }

  /** The depth became `depth` at `time`. */
  reach(time: number, depth: number): void {
    const bucket = Math.floor(time / this.widthSeconds);
    this.grow(bucket);
    if (depth > this.maxima[bucket]!) this.maxima[bucket] = depth;
  }

  private grow(bucket: number): void {
    while (this.integrals.length <= bucket) {
      this.integrals.push(0);
      this.maxima.push(0);
    }
  }

  private coarsen(): void {
    const integrals: number[] = [];
    const maxima: number[] = [];
    for (let i = 0; i < this.integrals.length; i += 2) {
      integrals.push(this.integrals[i]! + (this.integrals[i + 1] ?? 0));
      maxima.push(Math.max(this.maxima[i]!, this.maxima[i + 1] ?? 0));
    }
    this.integrals = integrals;
    this.maxima = maxima;
    this.widthSeconds *= 2;
  }
}

/**
 * One strategy's series in one cell of an experiment: the `series` key of a `summary.json`
 * document, kept apart from the metrics so that readers comparing metrics can ignore it.
 */
export interface SeriesEntry extends RunSeries {
  /** Index of the cell (0 in a compare). */
  readonly cell: number;
  /** The strategy's label in the cell. */
  readonly strategy: string;
  /** The (first) replication the series were taken from (0-based). */
  readonly replication: number;
  /**
   * How many replications, from `replication` on, were pooled into the series
   * ({@link poolSeries}); absent in documents that recorded one replication only.
   */
  readonly replications?: number;
}

/**
 * The series of several replications pooled into one, so that a chart shows the strategy rather
 * than one replication's luck:
 * - latency distribution: the mean of the replications' quantile functions at each share
 *   (Vincentization: the average distribution's shape, each replication weighing alike); `count`
 *   is the total of completed tasks;
 * - queue depth: the replications' buckets brought to the widest bucket width among them (finer
 *   ones merged, by their mean), then per bucket the mean over the replications that reached it
 *   and the largest maximum.
 * @throws Error when `runs` is empty or their distributions have different share grids
 */
export function poolSeries(runs: readonly RunSeries[]): RunSeries {
  if (runs.length === 0) throw new Error('poolSeries: no series');
  return { queueDepth: poolQueueDepth(runs.map((run) => run.queueDepth)), latencyCdf: poolLatencyCdf(runs.map((run) => run.latencyCdf)) };
}

function poolLatencyCdf(cdfs: readonly LatencyCdf[]): LatencyCdf {
  const present = cdfs.filter((cdf) => cdf.count > 0);
  const count = present.reduce((sum, cdf) => sum + cdf.count, 0);
  if (present.length === 0) return { count: 0, share: [], latency: [] };
  const share = present[0]!.share;
  if (present.some((cdf) => cdf.share.length !== share.length)) throw new Error('poolSeries: latency distributions on different share grids');
  const latency = share.map((_, i) => present.reduce((sum, cdf) => sum + cdf.latency[i]!, 0) / present.length);
  return { count, share: [...share], latency };
}

function poolQueueDepth(series: readonly QueueDepthSeries[]): QueueDepthSeries {
  const width = Math.max(...series.map((s) => s.bucketSeconds));
  const coarse = series.map((s) => {
    const factor = Math.max(1, Math.round(width / s.bucketSeconds));
    const mean: number[] = [];
    const max: number[] = [];
    for (let start = 0; start < s.mean.length; start += factor) {
      const means = s.mean.slice(start, start + factor);
      mean.push(means.reduce((sum, value) => sum + value, 0) / means.length);
      max.push(Math.max(...s.max.slice(start, start + factor)));
    }
    return { mean, max };
  });
  const buckets = Math.max(...coarse.map((s) => s.mean.length));
  const time: number[] = [];
  const mean: number[] = [];
  const max: number[] = [];
  for (let i = 0; i < buckets; i++) {
    const reached = coarse.filter((s) => i < s.mean.length);
    time.push(i * width);
    mean.push(reached.reduce((sum, s) => sum + s.mean[i]!, 0) / reached.length);
    max.push(Math.max(...reached.map((s) => s.max[i]!)));
  }
  return { bucketSeconds: width, time, mean, max };
}
