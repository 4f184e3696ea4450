/**
 * Metrics by class of task: by type, by submitted priority, by tenant (docs/EXPERIMENTS.md,
 * "Metrics by class"). A class is a function of the task's spec alone, so a task stays in one
 * class all its life (an operator's later change of priority does not move it) and every
 * measured task is in exactly one class of each dimension: the per-class task ledgers sum to
 * the pooled one.
 *
 * {@link TaskFold} is the per-task part of the metrics collector (counts, latency and wait
 * sketches, deadlines, context tokens, quality): the collector keeps one for the pooled figures
 * and one per class, so the pooled and the per-class figures are the same code and memory grows
 * with the number of classes, not of tasks. A dimension whose tasks have so far all been in one
 * class folds nothing of its own (most runs have one type, one priority, one tenant): that
 * class's figures are the pooled ones, and a copy of the pooled fold becomes its fold when a
 * second class appears, so each class fold sees the same values in the same order either way.
 */
import type { FinalTaskState } from '../engine/task.js';
import { Moments } from './moments.js';
import { SampleSketch } from './sampleSketch.js';
import { latencyMetrics, qualityMetrics, ratio, waitMetrics, type TaskSamples } from './sampleStats.js';
import type { LatencyMetrics, QualityMetrics, TaskCountMetrics, WaitMetrics } from './types.js';

/** The dimensions tasks are classed by. */
export type ClassDimension = 'type' | 'priority' | 'tenant';

/** Every dimension, in the order of the JSON output. */
export const CLASS_DIMENSIONS: readonly ClassDimension[] = Object.freeze(['type', 'priority', 'tenant']);

/** The key of each dimension's breakdown in the metrics: `byType`, `byPriority`, `byTenant`. */
export type ClassBreakdownKey = 'byType' | 'byPriority' | 'byTenant';

/** The breakdown key of a dimension (`priority` → `byPriority`). */
export const BREAKDOWN_KEY: Readonly<Record<ClassDimension, ClassBreakdownKey>> = Object.freeze({
  type: 'byType', priority: 'byPriority', tenant: 'byTenant',
});

/** Breakdown keys by name, to tell a class path from a pooled one. */
const BREAKDOWN_KEYS: readonly ClassBreakdownKey[] = Object.freeze(CLASS_DIMENSIONS.map((dimension) => BREAKDOWN_KEY[dimension]));

/** The dimension of a breakdown key (`byPriority` → `priority`). */
export function dimensionOf(key: ClassBreakdownKey): ClassDimension {
  return CLASS_DIMENSIONS.find((dimension) => BREAKDOWN_KEY[dimension] === key)!;
}

/**
 * The dotted paths of the leaves of {@link ClassMetrics}, in its key order (a test holds this
 * list to the type's walk, so a field added to the type cannot go unlisted).
 */
export const CLASS_METRIC_LEAVES: readonly string[] = Object.freeze([
  'tasks.submitted', 'tasks.completed', 'tasks.deadLettered', 'tasks.expired', 'tasks.cancelled', 'tasks.rejected', 'tasks.inFlight',
  'latency.mean', 'latency.p50', 'latency.p95', 'latency.p99', 'wait.mean', 'wait.p95',
  'deadlineSuccess', 'contextWaste', 'quality.mean', 'quality.stddev', 'share.demand', 'share.service', 'share.ratio',
]);

/** A metric of one class, named as `byPriority.0.deadlineSuccess`: the table, the class, the leaf. */
export interface ClassPath {
  /** The class table: by type, priority or tenant. */
  readonly key: ClassBreakdownKey;
  /** The class within it (a type, a priority level, a tenant). */
  readonly name: string;
  /** The figure within the class: one of `leaves` (by default {@link CLASS_METRIC_LEAVES}). */
  readonly leaf: string;
}

/**
 * The parts of a class path, or undefined when `path` does not start with a breakdown key (a
 * pooled metric). The class's name may hold dots (a type `code.review`): the leaf is the
 * longest of `leaves` that ends the path, and the name what lies between.
 * @returns null when `path` starts with a breakdown key but names no class and known leaf
 */
export function parseClassPath(path: string, leaves: readonly string[] = CLASS_METRIC_LEAVES): ClassPath | null | undefined {
  const dot = path.indexOf('.');
  const key = BREAKDOWN_KEYS.find((candidate) => candidate === path.slice(0, dot));
  if (dot < 0 || key === undefined) return BREAKDOWN_KEYS.some((candidate) => candidate === path) ? null : undefined;
  const rest = path.slice(dot + 1);
  let found: ClassPath | null = null;
  for (const leaf of leaves) {
    if (rest.length > leaf.length + 1 && rest.endsWith(`.${leaf}`) && (found === null || leaf.length > found.leaf.length)) {
      found = { key, name: rest.slice(0, rest.length - leaf.length - 1), leaf };
    }
  }
  return found;
}

/** The class of tasks that name no tenant. */
export const DEFAULT_TENANT = 'default';

/** What a class is read from: the parts of a task spec that class it. */
export interface ClassedSpec {
  /** The task type. */
  readonly type: string;
  /** The submitted priority (0 = critical … 4 = backlog). */
  readonly priority: number;
  /** The team or customer the task is done for; tasks without one are tenant {@link DEFAULT_TENANT}. */
  readonly tenant?: string;
}

/** The class of `spec` in `dimension`, as it appears as a key in the metrics. */
export function classKey(dimension: ClassDimension, spec: ClassedSpec): string {
  switch (dimension) {
    case 'type': return spec.type;
    case 'priority': return String(spec.priority);
    case 'tenant': return spec.tenant ?? DEFAULT_TENANT;
    default: {
      const unreachable: never = dimension;
      throw new Error(`classes: unknown dimension ${String(unreachable)}`);
    }
  }
}

/**
 * A class's part of the work (docs/EXPERIMENTS.md, "Tenant fairness"): what it asked for and
 * what it got, in tokens of measured tasks. A tenant's `ratio` is the figure fairness across
 * tenants is about: below 1, the tenant got less than its share of the service.
 */
export interface ShareMetrics {
  /** The class's tokens submitted ÷ all tokens submitted (null when no tokens were submitted). */
  readonly demand: number | null;
  /** The class's tokens completed ÷ all tokens completed (null when none completed). */
  readonly service: number | null;
  /** `service` ÷ `demand`: 1 when the class was served in proportion to its demand (null when either is null or demand is 0). */
  readonly ratio: number | null;
}

/** A {@link TaskFold}'s running counts and sums (every one only grows as events come): its tasks by final state, and more. */
export interface TaskFoldTotals extends Omit<TaskCountMetrics, 'inFlight'>, TokenTotals {
  /** Tasks with a deadline that completed by it. */
  readonly deadlinesMet: number;
  /** Tasks with a deadline that reached a final state. */
  readonly deadlinesSettled: number;
  /** Setup tokens: attempts' context loads, losing claims' and prewarm loads. */
  readonly setupTokens: number;
  /** Task tokens of the attempts started. */
  readonly workTokens: number;
}

/** The headline metrics of one class of measured tasks (each defined as its pooled namesake in `types.ts`). */
export interface ClassMetrics {
  /** Measured tasks of the class by final state. */
  readonly tasks: TaskCountMetrics;
  /** Submit → completed, seconds. */
  readonly latency: LatencyMetrics;
  /** Submit → first start, seconds. */
  readonly wait: WaitMetrics;
  /** Share of the class's tasks with a deadline that completed by it; null when none had one. */
  readonly deadlineSuccess: number | null;
  /**
   * Setup ÷ (setup + task tokens) over the class's started attempts and duplicate claims;
   * prewarm loads belong to no task, so they count in the pooled figure only.
   */
  readonly contextWaste: number | null;
  /** Quality of the class's completions. */
  readonly quality: QualityMetrics;
  /** The class's share of the tokens submitted and completed. */
  readonly share: ShareMetrics;
}

/** Classes of one dimension, by key in sorted order (priorities numerically). */
export type ClassTable = Readonly<Record<string, ClassMetrics>>;

/** The per-class metrics of a run, one table per dimension. */
export interface ClassBreakdown {
  /** Classes by task type. */
  readonly byType: ClassTable;
  /** Classes by priority level. */
  readonly byPriority: ClassTable;
  /** Classes by tenant. */
  readonly byTenant: ClassTable;
}

/** Class keys in output order: numbers numerically (priorities), then strings by code unit. */
export function sortClassKeys(keys: Iterable<string>): string[] {
  const isNumber = (key: string): boolean => key !== '' && Number.isInteger(Number(key));
  const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  // A total order: comparing numbers numerically and mixed pairs as strings was not one
  // ('10' < '1a' < '2' < '10'), and the order then hung on the order the keys came in.
  return [...keys].sort((a, b) => {
    const numbers = Number(isNumber(b)) - Number(isNumber(a));
    if (numbers !== 0) return numbers;
    return (isNumber(a) ? Number(a) - Number(b) : 0) || byCodeUnit(a, b);
  });
}

/** Tokens asked for and served by a set of tasks: what a class's shares are taken of. */
export interface TokenTotals {
  /** Tokens of the tasks submitted. */
  readonly demandTokens: number;
  /** Tokens of the tasks completed. */
  readonly servedTokens: number;
}

/**
 * The per-task figures of a set of measured tasks, folded event by event with no per-task
 * state. Callers pass what the event says; the fold keeps counts, sketches and sums.
 */
export class TaskFold {
  private submittedCount = 0;
  private completedCount = 0;
  private deadLettered = 0;
  private expired = 0;
  private cancelled = 0;
  private rejected = 0;
  private latencies = new SampleSketch();
  private waits = new SampleSketch();
  private qualities = new Moments();
  // Deadlines of tasks in flight (deadline → how many), so the ones overdue at the end can be
  // counted without keeping any task: memory grows with the tasks in flight, not the run.
  private inFlightDeadlines = new Map<number, number>();
  private deadlinesSettled = 0;
  private deadlinesMet = 0;
  private setupTokens = 0;
  /** {@link setupTokens} without prewarm loads: what a class holding every task so far spent. */
  private taskSetupTokens = 0;
  private workTokens = 0;
  private demand = 0;
  private served = 0;

  /** Completed tasks so far. */
  get completed(): number {
    return this.completedCount;
  }

  /** Tokens of the tasks submitted so far. */
  get demandTokens(): number {
    return this.demand;
  }

  /** Tokens of the tasks completed so far. */
  get servedTokens(): number {
    return this.served;
  }

  /** A task of `tokens` tokens was submitted (with its deadline, if any). */
  submitted(tokens: number, deadline: number | undefined): void {
    this.submittedCount++;
    this.demand += tokens;
    if (deadline !== undefined) this.deadlineInFlight(deadline);
  }

  private deadlineInFlight(deadline: number): void {
    this.inFlightDeadlines.set(deadline, (this.inFlightDeadlines.get(deadline) ?? 0) + 1);
  }

  /** An attempt started: its wait when it is the first attempt, its setup and the task's tokens. */
  started(firstAttemptWaitSeconds: number | undefined, setupTokens: number, workTokens: number): void {
    if (firstAttemptWaitSeconds !== undefined) this.waits.add(firstAttemptWaitSeconds);
    this.setupTokens += setupTokens;
    this.taskSetupTokens += setupTokens;
    this.workTokens += workTokens;
  }

  /** Setup tokens a task's losing claim spent, with no work to show for them. */
  wasted(setupTokens: number): void {
    this.setupTokens += setupTokens;
    this.taskSetupTokens += setupTokens;
  }

  /** Context loaded ahead of need, for no task: waste of the pooled figure only. */
  prewarmed(contextTokens: number): void {
    this.setupTokens += contextTokens;
  }

  /**
   * The fold of a class that every task folded so far belongs to: a copy of this one without
   * its prewarm loads. Folding on into the copy gives what a fold of that class alone would.
   */
  classCopy(): TaskFold {
    // Counts and sums copy as they are; the sketches, moments and deadline counts are objects,
    // copied so that the two folds go on apart.
    const copy = Object.assign(new TaskFold(), this);
    copy.latencies = this.latencies.copy();
    copy.waits = this.waits.copy();
    copy.qualities = this.qualities.copy();
    copy.inFlightDeadlines = new Map(this.inFlightDeadlines);
    copy.setupTokens = this.taskSetupTokens;
    return copy;
  }

  /** A task of `tokens` tokens completed at `time`. */
  completedAt(time: number, tokens: number, latencySeconds: number, quality: number, deadline: number | undefined): void {
    this.completedCount++;
    this.served += tokens;
    this.latencies.add(latencySeconds);
    this.qualities.add(quality);
    if (deadline !== undefined) this.settleDeadline(deadline, true, time);
  }

  /** A task reached a final state other than `completed` at `time`. */
  settledUncompleted(state: Exclude<FinalTaskState, 'completed'>, time: number, deadline: number | undefined): void {
    switch (state) {
      case 'dead-lettered': this.deadLettered++; break;
      case 'expired': this.expired++; break;
      case 'cancelled': this.cancelled++; break;
      case 'rejected': this.rejected++; break;
      default: {
        const unreachable: never = state;
        throw new Error(`metrics: unknown final state ${String(unreachable)}`);
      }
    }
    if (deadline !== undefined) this.settleDeadline(deadline, false, time);
  }

  /** The fold's running counts and sums so far: what a window's figures are differences of (`recentMetrics.ts`). */
  totals(): TaskFoldTotals {
    return {
      submitted: this.submittedCount, completed: this.completedCount, deadLettered: this.deadLettered, expired: this.expired,
      cancelled: this.cancelled, rejected: this.rejected, deadlinesMet: this.deadlinesMet, deadlinesSettled: this.deadlinesSettled,
      setupTokens: this.setupTokens, workTokens: this.workTokens, demandTokens: this.demand, servedTokens: this.served,
    };
  }

  /** {@link TaskFold.totals} without prewarm loads: a class's, when this fold holds every task of the class so far. */
  classTotals(): TaskFoldTotals {
    return { ...this.totals(), setupTokens: this.taskSetupTokens };
  }

  /** Tasks in flight now whose deadline lies in [`fromSeconds`, `toSeconds`): the misses of those seconds not yet settled. */
  overdueInFlight(fromSeconds: number, toSeconds: number): number {
    let overdue = 0;
    for (const [deadline, count] of this.inFlightDeadlines) if (deadline >= fromSeconds && deadline < toSeconds) overdue += count;
    return overdue;
  }

  /**
   * The figures so far, tasks in flight counted as of `endTimeSeconds`; shares are of the
   * tokens of `whole` (all the classes of the dimension; by default this fold's own).
   */
  metrics(endTimeSeconds: number, whole: TokenTotals = this): ClassMetrics {
    const totals = this.totals();
    // A task in flight whose deadline equals the end time is left out: it may still complete at
    // that very instant (a live snapshot), so it has not missed.
    const overdue = this.overdueInFlight(Number.NEGATIVE_INFINITY, endTimeSeconds);
    const samples = { latencies: this.latencies, waits: this.waits, qualities: this.qualities };
    return classMetricsOf(totals, samples, totals.submitted - settledCount(totals), overdue, whole);
  }

  // Called only for a task with a deadline, so that runs without deadlines never inline it.
  private settleDeadline(deadline: number, completed: boolean, time: number): void {
    const left = this.inFlightDeadlines.get(deadline)! - 1;
    if (left === 0) this.inFlightDeadlines.delete(deadline);
    else this.inFlightDeadlines.set(deadline, left);
    this.deadlinesSettled++;
    if (completed && time <= deadline) this.deadlinesMet++;
  }
}

/** Tasks of a fold's totals that reached a final state. */
export function settledCount(totals: TaskFoldTotals): number {
  return totals.completed + totals.deadLettered + totals.expired + totals.cancelled + totals.rejected;
}

/**
 * A class's figures from its counts and sums, its samples, its tasks in flight at the end and,
 * of those, the ones whose deadline has passed (misses not yet settled); shares are of the
 * tokens of `whole` (all the classes of the dimension). The whole history's figures and a
 * window's (`recentMetrics.ts`) are both made here.
 */
export function classMetricsOf(totals: TaskFoldTotals, samples: TaskSamples, inFlight: number, overdueInFlight: number, whole: TokenTotals): ClassMetrics {
  const { submitted, completed, deadLettered, expired, cancelled, rejected, setupTokens } = totals;
  const demand = ratio(totals.demandTokens, whole.demandTokens);
  const service = ratio(totals.servedTokens, whole.servedTokens);
  return {
    tasks: { submitted, completed, deadLettered, expired, cancelled, rejected, inFlight },
    latency: latencyMetrics(samples.latencies),
    wait: waitMetrics(samples.waits),
    deadlineSuccess: ratio(totals.deadlinesMet, totals.deadlinesSettled + overdueInFlight),
    contextWaste: ratio(setupTokens, setupTokens + totals.workTokens),
    quality: qualityMetrics(samples.qualities),
    share: { demand, service, ratio: demand === null || service === null || demand === 0 ? null : service / demand },
  };
}

/** The metrics of a class no measured task of a run was in: nothing submitted, no data. */
export const EMPTY_CLASS: ClassMetrics = Object.freeze(new TaskFold().metrics(0));

/** One class's running figures, as a fold over recent windows reads them (`recentMetrics.ts`). */
export interface RunningClass {
  /** The class's key, as in its table. */
  readonly key: string;
  /** Its running counts and sums (no prewarm loads: they belong to no class). */
  readonly totals: TaskFoldTotals;
  /** Its tasks in flight now whose deadline lies in [`fromSeconds`, `toSeconds`). */
  readonly overdueInFlight: (fromSeconds: number, toSeconds: number) => number;
}

/** The classes of the measured tasks so far, as a fold over recent windows reads them (`recentMetrics.ts`). */
export interface ClassLedger {
  /**
   * The dimensions that have a second class, as bits (bit d for {@link CLASS_DIMENSIONS}[d]):
   * while it is 0 every class's figures are the pooled ones.
   */
  readonly splitDimensions: number;
  /**
   * The first class of `dimension` (its only one until a second comes), as the spec holds it (a
   * priority as a number; {@link classKey} gives it as in the table); undefined before the first task.
   */
  firstClass(dimension: ClassDimension): string | number | undefined;
  /** Every class of `dimension`, in the order its table sums their tokens (see {@link ClassFolds.breakdown}). */
  running(dimension: ClassDimension): RunningClass[];
  /** The tenants' class keys in the order they first submitted a task. */
  tenantsInArrivalOrder(): string[];
}

/**
 * One {@link TaskFold} per class of every dimension, created as classes first appear; each
 * method hands the event to the task's fold in every dimension that has more than one class
 * (see the module's comment). Classes are looked up by the spec's own values (a priority by
 * number), so the hot path builds no key strings.
 *
 * Protocol: call each method before the pooled fold takes the same event, so a class split off
 * by it copies the pooled fold as it was before the event.
 */
export class ClassFolds implements ClassLedger {
  private readonly types: DimensionFolds<string>;
  private readonly priorities: DimensionFolds<number>;
  private readonly tenants: DimensionFolds<string>;
  // Each dimension's only class while it has one (undefined before its first task and once it
  // has split), copied here so that the hot path compares a string with strings and a number
  // with numbers: the `foldOf` the three dimensions share compares keys of both types, and
  // nine such generic compares were ~4% of a simulated M/M/10 task.
  private soleType: string | undefined;
  private solePriority: number | undefined;
  private soleTenant: string | undefined;
  private splitMask = 0;

  /** @param pooled - the fold of every measured task, which this one's classes are split from. */
  constructor(private readonly pooled: TaskFold) {
    this.types = new DimensionFolds(pooled);
    this.priorities = new DimensionFolds(pooled);
    this.tenants = new DimensionFolds(pooled);
  }

  // Each method below tests the common case (every dimension one class so far) and leaves the
  // rest to a method of its own: in a run of one class that one never runs, so V8 inlines only
  // the test into the collector and keeps its budget for the pooled fold.

  /** {@inheritDoc TaskFold.submitted} */
  submitted(spec: ClassedSpec, tokens: number, deadline: number | undefined): void {
    if (!this.inSoleClasses(spec)) this.submittedByClass(spec, tokens, deadline);
  }

  /** {@inheritDoc TaskFold.started} */
  started(spec: ClassedSpec, firstAttemptWaitSeconds: number | undefined, setupTokens: number, workTokens: number): void {
    if (!this.inSoleClasses(spec)) this.startedByClass(spec, firstAttemptWaitSeconds, setupTokens, workTokens);
  }

  /** {@inheritDoc TaskFold.wasted} */
  wasted(spec: ClassedSpec, setupTokens: number): void {
    if (this.inSoleClasses(spec)) return;
    this.types.foldOf(spec.type)?.wasted(setupTokens);
    this.priorities.foldOf(spec.priority)?.wasted(setupTokens);
    this.tenants.foldOf(spec.tenant ?? DEFAULT_TENANT)?.wasted(setupTokens);
    this.noteSoleClasses();
  }

  /** {@inheritDoc TaskFold.completedAt} */
  completedAt(spec: ClassedSpec, time: number, tokens: number, latencySeconds: number, quality: number, deadline: number | undefined): void {
    if (!this.inSoleClasses(spec)) this.completedAtByClass(spec, time, tokens, latencySeconds, quality, deadline);
  }

  /** {@inheritDoc TaskFold.settledUncompleted} */
  settledUncompleted(spec: ClassedSpec, state: Exclude<FinalTaskState, 'completed'>, time: number, deadline: number | undefined): void {
    if (this.inSoleClasses(spec)) return;
    this.types.foldOf(spec.type)?.settledUncompleted(state, time, deadline);
    this.priorities.foldOf(spec.priority)?.settledUncompleted(state, time, deadline);
    this.tenants.foldOf(spec.tenant ?? DEFAULT_TENANT)?.settledUncompleted(state, time, deadline);
    this.noteSoleClasses();
  }

  private submittedByClass(spec: ClassedSpec, tokens: number, deadline: number | undefined): void {
    this.types.foldOf(spec.type)?.submitted(tokens, deadline);
    this.priorities.foldOf(spec.priority)?.submitted(tokens, deadline);
    this.tenants.foldOf(spec.tenant ?? DEFAULT_TENANT)?.submitted(tokens, deadline);
    this.noteSoleClasses();
  }

  private startedByClass(spec: ClassedSpec, firstAttemptWaitSeconds: number | undefined, setupTokens: number, workTokens: number): void {
    this.types.foldOf(spec.type)?.started(firstAttemptWaitSeconds, setupTokens, workTokens);
    this.priorities.foldOf(spec.priority)?.started(firstAttemptWaitSeconds, setupTokens, workTokens);
    this.tenants.foldOf(spec.tenant ?? DEFAULT_TENANT)?.started(firstAttemptWaitSeconds, setupTokens, workTokens);
    this.noteSoleClasses();
  }

  private completedAtByClass(spec: ClassedSpec, time: number, tokens: number, latencySeconds: number, quality: number, deadline: number | undefined): void {
    this.types.foldOf(spec.type)?.completedAt(time, tokens, latencySeconds, quality, deadline);
    this.priorities.foldOf(spec.priority)?.completedAt(time, tokens, latencySeconds, quality, deadline);
    this.tenants.foldOf(spec.tenant ?? DEFAULT_TENANT)?.completedAt(time, tokens, latencySeconds, quality, deadline);
    this.noteSoleClasses();
  }

  /**
   * True when `spec`'s task is in the only class of every dimension: then `foldOf` would hand
   * back no fold in any of them, and nothing is to be done.
   */
  private inSoleClasses(spec: ClassedSpec): boolean {
    return spec.type === this.soleType && spec.priority === this.solePriority && (spec.tenant ?? DEFAULT_TENANT) === this.soleTenant;
  }

  /** Copies each dimension's only class after `foldOf` may have found a first class or split one. */
  private noteSoleClasses(): void {
    this.soleType = this.types.soleClass();
    this.solePriority = this.priorities.soleClass();
    this.soleTenant = this.tenants.soleClass();
    this.splitMask = (this.types.isSplit() ? 1 : 0) | (this.priorities.isSplit() ? 2 : 0) | (this.tenants.isSplit() ? 4 : 0);
  }

  /** {@inheritDoc ClassLedger.splitDimensions} */
  get splitDimensions(): number {
    return this.splitMask;
  }

  /** {@inheritDoc ClassLedger.firstClass} */
  firstClass(dimension: ClassDimension): string | number | undefined {
    return this.dimension(dimension).firstKey();
  }

  /** {@inheritDoc ClassLedger.running} */
  running(dimension: ClassDimension): RunningClass[] {
    return this.dimension(dimension).running();
  }

  private dimension(dimension: ClassDimension): DimensionFolds<string> | DimensionFolds<number> {
    switch (dimension) {
      case 'type': return this.types;
      case 'priority': return this.priorities;
      case 'tenant': return this.tenants;
      default: {
        const unreachable: never = dimension;
        throw new Error(`classes: unknown dimension ${String(unreachable)}`);
      }
    }
  }

  /** The tenants' class keys in the order they first submitted a task. */
  tenantsInArrivalOrder(): string[] {
    return this.tenants.keysInArrivalOrder();
  }

  /** Every class's figures, by dimension, keys sorted ({@link sortClassKeys}). */
  breakdown(endTimeSeconds: number): ClassBreakdown {
    return {
      byType: this.types.table(endTimeSeconds),
      byPriority: this.priorities.table(endTimeSeconds),
      byTenant: this.tenants.table(endTimeSeconds),
    };
  }
}

/**
 * The classes of one dimension. Until a second class appears, the first one's fold is the pooled
 * fold and {@link DimensionFolds.foldOf} hands back none; then that class gets a copy of the
 * pooled fold and every class its own.
 */
class DimensionFolds<K extends string | number> {
  private first: K | undefined;
  private folds: Map<K, TaskFold> | undefined;
  // The last class looked up, so a run of one class's events costs a compare, not a hash.
  private lastKey: K | undefined;
  private lastFold: TaskFold | undefined;

  constructor(private readonly pooled: TaskFold) {}

  /** The fold of class `key`, or undefined while the dimension's only class is the pooled fold. */
  foldOf(key: K): TaskFold | undefined {
    if (this.folds === undefined) {
      if (this.first === undefined) this.first = key;
      if (key === this.first) return undefined;
      this.folds = new Map([[this.first, this.pooled.classCopy()]]);
    }
    if (key === this.lastKey) return this.lastFold;
    let fold = this.folds.get(key);
    if (fold === undefined) {
      fold = new TaskFold();
      this.folds.set(key, fold);
    }
    this.lastKey = key;
    this.lastFold = fold;
    return fold;
  }

  /** The key of the dimension's only class, or undefined before its first task and once a second came. */
  soleClass(): K | undefined {
    return this.folds === undefined ? this.first : undefined;
  }

  /** True once a second class came. */
  isSplit(): boolean {
    return this.folds !== undefined;
  }

  /** The first class's key; undefined before the first task. */
  firstKey(): K | undefined {
    return this.first;
  }

  /** Every class's running figures, in the order {@link DimensionFolds.table} sums their tokens. */
  running(): RunningClass[] {
    const running = (key: K, fold: TaskFold, totals: TaskFoldTotals): RunningClass => ({
      key: String(key), totals, overdueInFlight: (fromSeconds, toSeconds) => fold.overdueInFlight(fromSeconds, toSeconds),
    });
    if (this.folds === undefined) return this.first === undefined ? [] : [running(this.first, this.pooled, this.pooled.classTotals())];
    return this.entriesInSummingOrder().map(([key, fold]) => running(key, fold, fold.totals()));
  }

  /** The classes, priorities by level and other classes in the order they appeared. */
  private entriesInSummingOrder(): [K, TaskFold][] {
    const entries = [...this.folds!];
    if (typeof this.first === 'number') entries.sort(([a], [b]) => (a as number) - (b as number));
    return entries;
  }

  /** The classes' keys (as in the table) in the order their first task came. */
  keysInArrivalOrder(): string[] {
    if (this.folds === undefined) return this.first === undefined ? [] : [String(this.first)];
    return [...this.folds.keys()].map(String);
  }

  /**
   * The dimension's table, keys sorted ({@link sortClassKeys}). Shares are of the classes'
   * tokens summed class by class, priorities by level and other classes in the order they
   * appeared (equal to the pooled tokens; summed so, a tenant's ratio is bit for bit what
   * earlier versions computed).
   */
  table(endTimeSeconds: number): ClassTable {
    if (this.folds === undefined) {
      return this.first === undefined ? {} : { [String(this.first)]: this.pooled.classCopy().metrics(endTimeSeconds) };
    }
    const entries = this.entriesInSummingOrder();
    let demandTokens = 0;
    let servedTokens = 0;
    for (const [, fold] of entries) {
      demandTokens += fold.demandTokens;
      servedTokens += fold.servedTokens;
    }
    const whole: TokenTotals = { demandTokens, servedTokens };
    const byKey = new Map<string, TaskFold>();
    for (const [key, fold] of entries) byKey.set(String(key), fold);
    const table: Record<string, ClassMetrics> = {};
    for (const key of sortClassKeys(byKey.keys())) table[key] = byKey.get(key)!.metrics(endTimeSeconds, whole);
    return table;
  }
}
