/**
 * The class tables (`byType`, `byPriority`, `byTenant`) and the tenant fairness of a recent
 * window, for {@link RecentMetrics} (docs/LIVE.md, "Metrics over a recent window"), made the way
 * its pooled figures are: each class's counts and token sums (and each tenant's latency and
 * service sums) only grow, so a window's are the difference of a class's running figures at its
 * two ends, taken from the collector's own class folds; only the latencies, waits and qualities
 * of a class's tasks are sampled per interval.
 *
 * Memory follows what the classes did, not how many there are. An interval keeps a class's
 * running figures at its start only when they changed during the interval (a class that did
 * nothing there is found at the next interval that holds it, or in the figures at the current
 * interval's start, kept once per class): one record of a dozen numbers per class active in
 * the interval. It keeps samples of a class only when the class had a completion or a first
 * start in the interval, and only in a dimension that has more than one class: while a
 * dimension has one class its samples are the interval's pooled ones (the "sole class" rule of
 * `ClassFolds`), so a run of one type, one priority and one tenant keeps nothing per class and
 * pays one compare a completion or first start. A class's samples are two sketches and a few
 * numbers: a sketch's buckets start at 8 KiB and double as its range widens, and are compacted
 * when the interval ends (`SampleSketch.compact`: to the buckets holding samples, at most in
 * proportion to them): ~9 KiB an interval of 10 s for ten classes at 20 tasks a second, ~154
 * KiB at 700 (docs/LIVE.md has the figures; `recentMetrics.ts` the time an event).
 */
import { CLASS_DIMENSIONS, DEFAULT_TENANT, TaskFold, classMetricsOf, settledCount, sortClassKeys, type ClassBreakdown, type ClassLedger, type ClassMetrics, type ClassedSpec, type TaskFoldTotals } from './classes.js';
import type { MetricsCollector } from './collector.js';
import { compactSamples, copySamples, emptySamples, mergeSamples, type TaskSamples } from './sampleStats.js';
import { tenantFairnessOf, type SlowdownTotals, type TenantFairnessMetrics } from './tenantFairness.js';

/** A class as the spec holds it: a type or a tenant, or a priority as a number. */
type ClassOfSpec = string | number;

/** The samples of the class last looked up in a dimension, and where. */
interface LastClass {
  interval: ClassedInterval | undefined;
  key: ClassOfSpec | undefined;
  samples: TaskSamples | undefined;
}

/** Running figures by key: a dimension's classes' totals, or the tenants' slowdown sums. */
type Ledger = ReadonlyMap<string, object>;

/** The ledgers kept at interval starts: one per class dimension, in {@link CLASS_DIMENSIONS} order, then the tenants' slowdown sums. */
const SLOWDOWNS = CLASS_DIMENSIONS.length;

/** What an interval keeps by class, made when it first needs to keep anything. */
export interface IntervalClasses {
  /**
   * By ledger ({@link CLASS_DIMENSIONS}, then tenants' slowdowns): the running figures at the
   * interval's start of the keys whose figures changed during it (null: the key had none yet).
   */
  readonly starts: (Map<string, object | null> | undefined)[];
  /**
   * By dimension: the interval's samples by class (keyed as the spec holds it: a priority as a
   * number); undefined while the dimension had one class throughout the interval (its samples
   * are then the interval's pooled ones).
   */
  readonly samples: (Map<ClassOfSpec, TaskSamples> | undefined)[];
}

/** An interval as the class fold sees it: its pooled samples, and what it keeps by class. */
export interface ClassedInterval extends TaskSamples {
  /** What the interval keeps by class (undefined while it keeps nothing). */
  classes: IntervalClasses | undefined;
}

/** The class tables and tenant fairness of a window. */
export interface ClassWindow extends ClassBreakdown {
  /** Fairness across the tenants, over the window's tokens and completions. */
  readonly tenantFairness: TenantFairnessMetrics;
}

/** The running figures of no task. */
const NO_TASKS: TaskFoldTotals = Object.freeze(new TaskFold().totals());
const NO_SLOWDOWN: SlowdownTotals = Object.freeze({ latencySeconds: 0, serviceSeconds: 0 });

/**
 * Keeps, interval by interval, what the class tables of a window need (see the module's comment).
 *
 * Protocol: {@link RecentClasses.closed} with each interval as it is left, before the events
 * of the next; {@link RecentClasses.completed} and {@link RecentClasses.firstStarted} while
 * {@link ClassLedger.splitDimensions} is not 0, before the interval's pooled samples take the sample.
 */
export class RecentClasses {
  private readonly ledger: ClassLedger;
  /** By ledger: each key's running figures at the start of the current interval. */
  private readonly atCurrentStart: Map<string, object>[] = Array.from({ length: SLOWDOWNS + 1 }, () => new Map<string, object>());
  /** By dimension: the class last looked up. */
  private readonly last: LastClass[] = CLASS_DIMENSIONS.map(() => ({ interval: undefined, key: undefined, samples: undefined }));

  /** @param collector - the whole-history fold the classes' running figures are read from. */
  constructor(private readonly collector: MetricsCollector) {
    this.ledger = collector.classLedger;
  }

  /** A task of `spec` completed in `interval` after `latencySeconds`, of `quality`. */
  completed(interval: ClassedInterval, spec: ClassedSpec, latencySeconds: number, quality: number): void {
    const split = this.ledger.splitDimensions;
    if (split & 1) this.completedIn(this.samplesOf(interval, 0, spec.type), latencySeconds, quality);
    if (split & 2) this.completedIn(this.samplesOf(interval, 1, spec.priority), latencySeconds, quality);
    if (split & 4) this.completedIn(this.samplesOf(interval, 2, spec.tenant ?? DEFAULT_TENANT), latencySeconds, quality);
  }

  private completedIn(samples: TaskSamples, latencySeconds: number, quality: number): void {
    samples.latencies.add(latencySeconds);
    samples.qualities.add(quality);
  }

  /** The first attempt of a task of `spec` started in `interval` after `waitSeconds`. */
  firstStarted(interval: ClassedInterval, spec: ClassedSpec, waitSeconds: number): void {
    const split = this.ledger.splitDimensions;
    if (split & 1) this.samplesOf(interval, 0, spec.type).waits.add(waitSeconds);
    if (split & 2) this.samplesOf(interval, 1, spec.priority).waits.add(waitSeconds);
    if (split & 4) this.samplesOf(interval, 2, spec.tenant ?? DEFAULT_TENANT).waits.add(waitSeconds);
  }

  /** The samples of class `key` of dimension `d` (one that has split) in `interval`. */
  private samplesOf(interval: ClassedInterval, d: number, key: ClassOfSpec): TaskSamples {
    // Runs of one class's events are common: a compare, not a hash, finds their samples.
    const last = this.last[d]!;
    if (last.key === key && last.interval === interval) return last.samples!;
    const classes = (interval.classes ??= { starts: [], samples: [] });
    let byClass = classes.samples[d];
    if (byClass === undefined) {
      // A sample taken while the dimension was split would have made the table: every one the
      // interval took so far came while it had one class, so they are that class's.
      byClass = new Map();
      if (interval.latencies.count + interval.waits.count > 0) byClass.set(this.ledger.firstClass(CLASS_DIMENSIONS[d]!)!, copySamples(interval));
      classes.samples[d] = byClass;
    }
    let samples = byClass.get(key);
    if (samples === undefined) {
      samples = emptySamples();
      byClass.set(key, samples);
    }
    last.interval = interval;
    last.key = key;
    last.samples = samples;
    return samples;
  }

  /** `interval` is left (no event came after its end yet): it keeps the start figures of the keys that changed in it. */
  closed(interval: ClassedInterval): void {
    for (const byClass of interval.classes?.samples ?? []) for (const samples of byClass?.values() ?? []) compactSamples(samples);
    const now = this.ledgersNow();
    for (let l = 0; l < now.length; l++) {
      const atStart = this.atCurrentStart[l]!;
      for (const [key, totals] of now[l]!) {
        const before = atStart.get(key);
        if (before !== undefined && sameFigures(before, totals)) continue;
        const classes = (interval.classes ??= { starts: [], samples: [] });
        (classes.starts[l] ??= new Map()).set(key, before ?? null);
        atStart.set(key, totals);
      }
    }
  }

  /**
   * The class tables and tenant fairness of a window.
   * @param start - where the window starts: `'history'` (before the first task: nothing yet),
   *   `'now'` (after the last event: the figures as they are), or the interval it starts with,
   *   `startIndex` up to `currentIndex` (the interval of the last event), `intervalAt` giving
   *   each kept interval (undefined for one before the first event).
   * @param intervals - the window's entered intervals, in order: their samples are merged.
   * @param pooled - the window's pooled samples (the merge of `intervals`').
   * @param fromSeconds - deadlines of tasks in flight at the end count as missed from here on.
   */
  window(
    start: 'history' | 'now' | { readonly startIndex: number; readonly currentIndex: number; readonly intervalAt: (index: number) => ClassedInterval | undefined },
    intervals: readonly ClassedInterval[], pooled: TaskSamples, fromSeconds: number, endSeconds: number,
  ): ClassWindow {
    const now = this.ledgersNow();
    const starts: Ledger[] = start === 'history' ? now.map(() => new Map()) : start === 'now' ? now : this.startsAt(start.startIndex, start.currentIndex, start.intervalAt);
    const table = (d: number): Record<string, ClassMetrics> => this.table(d, starts[d]!, this.samplesByClass(d, intervals, pooled), fromSeconds, endSeconds);
    const byType = table(0);
    const byPriority = table(1);
    const byTenant = table(2);
    const slowdowns: SlowdownTotals[] = [];
    for (const [tenant, end] of now[SLOWDOWNS]!) slowdowns.push(difference(end as SlowdownTotals, (starts[SLOWDOWNS]!.get(tenant) ?? NO_SLOWDOWN) as SlowdownTotals));
    return { tenantFairness: tenantFairnessOf(byTenant, this.ledger.tenantsInArrivalOrder(), slowdowns), byType, byPriority, byTenant };
  }

  /** The running figures by ledger now, each dimension's classes in the order its table sums them. */
  private ledgersNow(): Map<string, object>[] {
    const ledgers = CLASS_DIMENSIONS.map((dimension) => new Map<string, object>(this.ledger.running(dimension).map((running) => [running.key, running.totals])));
    ledgers.push(this.collector.tenantSlowdowns());
    return ledgers;
  }

  /** The running figures by ledger at the start of interval `startIndex` (at most `currentIndex`). */
  private startsAt(startIndex: number, currentIndex: number, intervalAt: (index: number) => ClassedInterval | undefined): Ledger[] {
    const starts = this.atCurrentStart.map((atStart) => new Map<string, object | null>(atStart));
    // A key's figures at a boundary are those at the start of the next interval it changed in:
    // walking back, the earliest such interval from `startIndex` on is the last written.
    for (let index = currentIndex - 1; index >= startIndex; index--) {
      const kept = intervalAt(index)?.classes?.starts;
      if (kept === undefined) continue;
      for (let l = 0; l < starts.length; l++) for (const [key, totals] of kept[l] ?? []) starts[l]!.set(key, totals);
    }
    // A key with null figures had none yet: as a key not there at all.
    return starts.map((ledger) => new Map([...ledger].filter((entry): entry is [string, object] => entry[1] !== null)));
  }

  /**
   * Dimension `d`'s samples of the window by class: the classes' own where an interval kept
   * them, the pooled ones (its first class's) where the dimension had one class.
   */
  private samplesByClass(d: number, intervals: readonly ClassedInterval[], pooled: TaskSamples): Map<string, TaskSamples> {
    const first = this.ledger.firstClass(CLASS_DIMENSIONS[d]!);
    const byClass = new Map<string, TaskSamples>();
    if (first === undefined) return byClass;
    // With one class all through the window, its samples are the window's: no merge again.
    if (intervals.every((interval) => interval.classes?.samples[d] === undefined)) return byClass.set(String(first), pooled);
    const into = (key: ClassOfSpec): TaskSamples => {
      let samples = byClass.get(String(key));
      if (samples === undefined) byClass.set(String(key), (samples = emptySamples()));
      return samples;
    };
    for (const interval of intervals) {
      const kept = interval.classes?.samples[d];
      if (kept === undefined) mergeSamples(into(first), interval);
      else for (const [key, samples] of kept) mergeSamples(into(key), samples);
    }
    return byClass;
  }

  /**
   * Dimension `d`'s table over the window: the classes that had a task in flight at its start or
   * submitted in it; shares of the tokens of all its classes over the window, summed in the
   * whole-history table's order.
   */
  private table(d: number, starts: Ledger, samples: ReadonlyMap<string, TaskSamples>, fromSeconds: number, endSeconds: number): Record<string, ClassMetrics> {
    const classes = this.ledger.running(CLASS_DIMENSIONS[d]!).map((running) => {
      const start = (starts.get(running.key) ?? NO_TASKS) as TaskFoldTotals;
      return { running, start, within: difference(running.totals, start) };
    });
    let demandTokens = 0;
    let servedTokens = 0;
    for (const { within } of classes) {
      demandTokens += within.demandTokens;
      servedTokens += within.servedTokens;
    }
    const whole = { demandTokens, servedTokens };
    const byKey = new Map<string, ClassMetrics>();
    for (const { running, start, within } of classes) {
      if (!(within.submitted > 0 || start.submitted - settledCount(start) > 0)) continue;
      const end = running.totals;
      byKey.set(running.key, classMetricsOf(within, samples.get(running.key) ?? emptySamples(), end.submitted - settledCount(end), running.overdueInFlight(fromSeconds, endSeconds), whole));
    }
    const table: Record<string, ClassMetrics> = {};
    for (const key of sortClassKeys(byKey.keys())) table[key] = byKey.get(key)!;
    return table;
  }
}

/** True when two sets of running figures hold the same numbers. */
function sameFigures(a: object, b: object): boolean {
  for (const key in a) if ((a as Record<string, number>)[key] !== (b as Record<string, number>)[key]) return false;
  return true;
}

/** Running figures `end` less `start`, field by field: the figures of the stretch between. */
export function difference<T extends object>(end: T, start: T): T {
  const within: Record<string, number> = {};
  for (const key in end) within[key] = (end as Record<string, number>)[key]! - (start as Record<string, number>)[key]!;
  return within as T;
}
