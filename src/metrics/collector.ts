/**
 * Metrics as a fold over the engine's event stream (docs/ARCHITECTURE.md, "Metrics"), so simulated
 * and live runs are measured by the same code.
 *
 * The collector is an {@link EventSink}: the simulator hands it to the engine, which calls it as
 * each event happens, with no event object built. It sits on the hot path (every event of a run
 * that targets a million tasks per second), so it allocates nothing per event and keeps no
 * per-task state: everything it needs from a task is either on the event or immutable on the
 * task (`seq`, `submittedAt`, `spec`). Its memory does not grow with the number of tasks:
 * latencies and waits go into quantile sketches with exact means (`sampleSketch.ts`), qualities
 * into running moments, deadlines of tasks in flight into a count per deadline; time-weighted
 * figures (busy slots, capacity) are integrated piecewise as they change.
 */
import { DOUBLE_FIELD_SEED, type AgentView } from '../engine/agent.js';
import { replayEvent, type EventSink } from '../engine/eventSink.js';
import type { AdminOperation, EngineEvent } from '../engine/messages.js';
import type { FailureReason, FinalTaskState, RejectionReason, TaskState, TaskView } from '../engine/task.js';
import { AgentCounters } from './agentCounters.js';
import { gini, jain } from './inequality.js';
import { ClassFolds, TaskFold, type ClassLedger, type TaskFoldTotals } from './classes.js';
import { TenantFairness, type SlowdownTotals } from './tenantFairness.js';
import { OperationsFold, type LifeTotals } from './operations.js';
import { ratio } from './sampleStats.js';
import type { AgentMetrics, RunMetrics } from './types.js';

/** What decides which tasks are measured. Both conditions must hold for a task to count. */
export interface CollectorOptions {
  /** Tasks submitted before this time (seconds) are warm-up and are not measured. */
  readonly warmupTimeSeconds: number;
  /** The first this many submissions (by `seq`) are warm-up and are not measured. */
  readonly warmupTasks: number;
}

/**
 * Folds engine events into {@link RunMetrics}.
 *
 * Protocol: pass the collector to the engine as its event sink (or call
 * {@link MetricsCollector.observe} with every event object, in emission order: event times never
 * decrease), then {@link MetricsCollector.finish} with the
 * run's end time. A task is measured iff `submittedAt >= warmupTimeSeconds` and
 * `seq >= warmupTasks`. The measurement window runs from the submission of the first measured
 * task (which is never before the warm-up time) to the end time.
 */
export class MetricsCollector implements EventSink {
  private readonly warmupTimeSeconds: number;
  private readonly warmupTasks: number;
  private lastTime = Number.NEGATIVE_INFINITY;
  /** NaN until the first measured task is submitted. */
  private windowStart = Number.NaN;

  // Measured tasks: pooled, and by class (type, priority, tenant).
  // The classes take each event before the pooled fold (their protocol): a class split off by
  // the event starts from the pooled figures before it.
  private readonly pooled = new TaskFold();
  private readonly classes = new ClassFolds(this.pooled);
  private readonly tenantFairness = new TenantFairness();
  private retries = 0;
  private contextHits = 0;
  private contextKnown = 0;
  private assignments = 0;
  private assignmentsRespected = 0;

  // System-wide state (every task), integrated over the window.
  private queueDepth = 0;
  private maxQueueDepth = 0;
  private capacity = 0;
  // Doubles from the first collector on (then 0 in the constructor), as DOUBLE_FIELD_SEED says:
  // stored first as 0 they turned into doubles during a process's first run, and the code
  // optimised in that run was thrown away when the second run's collector came (6 deopts).
  private capacitySince = DOUBLE_FIELD_SEED;
  private capacitySlotSeconds = DOUBLE_FIELD_SEED;

  // Per agent index.
  private readonly agentIds: string[] = [];
  private readonly agentCounters = new AgentCounters();
  private readonly operations = new OperationsFold();
  /** Agents draining now (their capacity already left the integral). */
  private readonly drainingAgents = new Set<number>();

  /** @param options - the warm-up; both fields are required (0 for none). */
  constructor(options: CollectorOptions) {
    const { warmupTimeSeconds, warmupTasks } = options;
    if (!(warmupTimeSeconds >= 0)) throw new Error(`metrics: warmupTimeSeconds must be >= 0, got ${warmupTimeSeconds}`);
    if (!(warmupTasks >= 0)) throw new Error(`metrics: warmupTasks must be >= 0, got ${warmupTasks}`);
    this.warmupTimeSeconds = warmupTimeSeconds;
    this.warmupTasks = warmupTasks;
    this.capacitySince = 0;
    this.capacitySlotSeconds = 0;
  }

  /** Folds one event object in (the same fold as the {@link EventSink} methods). */
  observe(event: EngineEvent): void {
    replayEvent(event, this);
  }

  // ---------------------------------------------------------------- the sink

  /** {@inheritDoc EventSink.submitted} */
  submitted(time: number, task: TaskView): void {
    this.advance(time);
    if (!this.isMeasured(task)) return;
    // A measured task is never submitted before the warm-up time, so the window's start,
    // max(warm-up time, first measured submission), is this submission.
    if (Number.isNaN(this.windowStart)) this.openWindow(time);
    const spec = task.spec;
    this.classes.submitted(spec, spec.tokens, spec.deadline);
    this.pooled.submitted(spec.tokens, spec.deadline);
    this.operations.submitted(time, task);
  }

  /** {@inheritDoc EventSink.assigned} */
  assigned(time: number, task: TaskView, from: TaskState, agent: AgentView, priorityRespected: boolean): void {
    this.advance(time);
    if (from === 'queued') this.queueDepth--;
    this.agentCounters.occupy(agent.index, time, 1);
    if (!this.isMeasured(task)) return;
    this.assignments++;
    if (priorityRespected) this.assignmentsRespected++;
  }

  /** {@inheritDoc EventSink.started} */
  started(time: number, task: TaskView, from: TaskState, agent: AgentView, attempt: number, setupTokens: number, contextHit: boolean | null, contextBlocksHit?: number): void {
    this.advance(time);
    // A resumed task takes its slot back (pausing gave it up).
    if (from === 'paused') this.agentCounters.occupy(agent.index, time, 1);
    // A resumption (from `paused`) is not a new attempt: it loads nothing and waits for nothing.
    if (from !== 'assigned' || !this.isMeasured(task)) return;
    const spec = task.spec;
    const wait = attempt === 1 ? time - task.submittedAt : undefined;
    this.classes.started(spec, wait, setupTokens, spec.tokens);
    this.pooled.started(wait, setupTokens, spec.tokens);
    // A prefix of blocks counts a hit or a miss per block; a key, one for the task.
    const blocks = spec.contextBlocks;
    if (blocks !== undefined && contextBlocksHit !== undefined) {
      this.contextKnown += blocks.length;
      this.contextHits += contextBlocksHit;
    } else if (contextHit !== null) {
      this.contextKnown++;
      if (contextHit) this.contextHits++;
    }
  }

  /** {@inheritDoc EventSink.completed} */
  completed(time: number, task: TaskView, _from: TaskState, agent: AgentView, quality: number): void {
    this.advance(time);
    const index = agent.index;
    this.agentCounters.occupy(index, time, -1);
    if (!this.isMeasured(task)) return;
    const spec = task.spec;
    const latency = time - task.submittedAt;
    this.classes.completedAt(spec, time, spec.tokens, latency, quality, spec.deadline);
    this.tenantFairness.completed(spec.tenant, latency, time - task.startedAt);
    this.agentCounters.completed(index, spec.tokens);
    this.operations.settled(time, task, true);
    // Last: V8 inlines a method's equally frequent calls from the last one up, so the pooled fold,
    // the heaviest, gets the inlining budget first (the classes must still take the event before it).
    this.pooled.completedAt(time, spec.tokens, latency, quality, spec.deadline);
  }

  /**
   * Every other transition. System-wide figures (queue depth, busy slots) count every task,
   * because a queue or a slot held by a warm-up task is still a queue or a busy slot during the
   * window; the rest counts measured tasks only.
   *
   * Each case relies on the lifecycle table that the engine enforces (src/engine/lifecycle.ts):
   * `offered` is entered only from `queued`; `failed` only from a state that holds a slot; a
   * task enters `queued` from anywhere but `queued`.
   */
  transition(time: number, task: TaskView, from: TaskState, to: TaskState, agent: AgentView | undefined, _reason: FailureReason | undefined): void {
    this.advance(time);
    switch (to) {
      case 'queued':
        if (++this.queueDepth > this.maxQueueDepth) this.maxQueueDepth = this.queueDepth;
        return;
      case 'created':
      case 'blocked':
        return;
      case 'paused':
        this.agentCounters.occupy(slotHolder(task, to, agent), time, -1);
        return;
      case 'offered':
        // The slots the offer holds are not busy: nobody works on the task until it is assigned.
        this.queueDepth--;
        if (this.isMeasured(task)) this.operations.offerRound(task);
        return;
      case 'failed':
        if (holdsSlot(from)) this.agentCounters.occupy(slotHolder(task, to, agent), time, -1);
        return;
      case 'retrying':
        if (this.isMeasured(task)) {
          this.retries++;
          this.operations.retrying(task);
        }
        return;
      case 'dead-lettered':
      case 'expired':
      case 'cancelled':
      case 'rejected':
        if (from === 'queued') this.queueDepth--;
        else if (holdsSlot(from)) this.agentCounters.occupy(slotHolder(task, to, agent), time, -1);
        if (this.isMeasured(task)) this.onSettledUncompleted(task, to, time);
        return;
      case 'assigned':
      case 'running':
      case 'completed':
        throw new Error(`metrics: a transition to ${to} (task ${task.spec.id}) must come through its own method`);
      default: {
        const unreachable: never = to;
        throw new Error(`metrics: unknown task state ${String(unreachable)}`);
      }
    }
  }

  /** {@inheritDoc EventSink.agentJoined} */
  agentJoined(time: number, agent: AgentView): void {
    this.advance(time);
    // Agent indexes are dense and assigned in join order, so per-agent figures are plain arrays.
    if (agent.index !== this.agentIds.length) {
      throw new Error(`metrics: agent ${agent.spec.id} joined with index ${agent.index}, expected ${this.agentIds.length}`);
    }
    this.accrueCapacity(time);
    this.capacity += agent.spec.capacity;
    this.agentIds.push(agent.spec.id);
    this.agentCounters.add(time);
    this.operations.agentJoined(time, agent);
  }

  /** {@inheritDoc EventSink.agentLeft} */
  agentLeft(time: number, agent: AgentView): void {
    this.advance(time);
    this.operations.agentLeft(time, agent);
    // A draining agent's capacity left the pool when it began draining.
    if (this.drainingAgents.delete(agent.index)) return;
    this.accrueCapacity(time);
    this.capacity -= agent.spec.capacity;
  }

  /** {@inheritDoc EventSink.offerMade} */
  offerMade(time: number, task: TaskView): void {
    this.advance(time);
    if (this.isMeasured(task)) this.operations.offerMade();
  }

  /** {@inheritDoc EventSink.offerAnswered} */
  offerAnswered(time: number, task: TaskView, _agent: AgentView, accepted: boolean, _reason: RejectionReason | undefined): void {
    this.advance(time);
    if (!accepted && this.isMeasured(task)) this.operations.offerRejected();
  }

  /** {@inheritDoc EventSink.duplicateClaim} */
  duplicateClaim(time: number, task: TaskView, _agent: AgentView, setupTokens: number): void {
    this.advance(time);
    if (!this.isMeasured(task)) return;
    this.operations.duplicateClaim();
    this.classes.wasted(task.spec, setupTokens);
    this.pooled.wasted(setupTokens);
  }

  /** {@inheritDoc EventSink.agentDraining} */
  agentDraining(time: number, agent: AgentView): void {
    this.advance(time);
    this.operations.agentDraining(time, agent);
    // Draining slots are no longer capacity on offer; the tasks still on them stay busy.
    this.drainingAgents.add(agent.index);
    this.accrueCapacity(time);
    this.capacity -= agent.spec.capacity;
  }

  /** {@inheritDoc EventSink.scaled} */
  scaled(time: number, pool: string, direction: 'up' | 'down'): void {
    this.advance(time);
    this.operations.scaled(time, pool, direction);
  }

  /** {@inheritDoc EventSink.admin} */
  admin(time: number, _operation: AdminOperation): void {
    this.advance(time); // the transitions it causes are reported as such
  }

  /** {@inheritDoc EventSink.prewarm} */
  prewarm(time: number, _agent: AgentView, _contextKey: string, contextTokens: number): void {
    this.advance(time);
    // Loading ahead of need is setup like any other: waste unless a task then finds it resident.
    if (!Number.isNaN(this.windowStart)) this.pooled.prewarmed(contextTokens);
  }

  /** {@inheritDoc EventSink.staleResult} */
  staleResult(time: number): void {
    this.advance(time); // recorded by the engine, never applied: no state changed
  }

  /**
   * The metrics of the run so far, with the window closed at `endTimeSeconds` (no earlier than
   * the last event). Tasks in flight at that time count in `tasks.inFlight`, and in
   * `deadlineSuccess` as misses when their deadline is already past. The collector is left
   * able to observe more events, so a live driver may take snapshots.
   */
  finish(endTimeSeconds: number): RunMetrics {
    if (!(endTimeSeconds >= this.lastTime)) {
      throw new Error(`metrics: end time ${endTimeSeconds} is before the last event (${this.lastTime})`);
    }
    const windowOpen = !Number.isNaN(this.windowStart);
    const windowSeconds = windowOpen ? endTimeSeconds - this.windowStart : 0;
    const perAgent = this.perAgent(endTimeSeconds, windowOpen);
    let busySlotSeconds = 0;
    for (const agent of perAgent) busySlotSeconds += agent.busySeconds;
    const capacitySlotSeconds = this.capacitySlotSeconds + this.capacity * (endTimeSeconds - this.capacitySince);
    const pooled = this.pooled.metrics(endTimeSeconds);
    const classes = this.classes.breakdown(endTimeSeconds);
    const completedByAgent = this.agentCounters.completedByAgent();
    const tokensByAgent = this.agentCounters.tokensByAgent();
    return {
      tasks: pooled.tasks,
      latency: pooled.latency,
      wait: pooled.wait,
      gini: { tasks: gini(completedByAgent), tokens: gini(tokensByAgent) },
      jain: { tasks: jain(completedByAgent), tokens: jain(tokensByAgent) },
      tenantFairness: this.tenantFairness.metrics(classes.byTenant, this.classes.tenantsInArrivalOrder()),
      deadlineSuccess: pooled.deadlineSuccess,
      contextWaste: pooled.contextWaste,
      contextHitRate: ratio(this.contextHits, this.contextKnown),
      quality: pooled.quality,
      priorityRespect: ratio(this.assignmentsRespected, this.assignments),
      utilization: windowSeconds > 0 ? ratio(busySlotSeconds, capacitySlotSeconds) : null,
      throughput: windowSeconds > 0 ? this.pooled.completed / windowSeconds : null,
      retries: this.retries,
      retrySuccess: this.operations.retrySuccess(),
      maxQueueDepth: windowOpen ? this.maxQueueDepth : null,
      delegation: this.operations.delegation(),
      workflows: this.operations.workflowMetrics(),
      fleet: this.operations.fleet(endTimeSeconds, this.agentIds.length),
      ...classes,
      perAgent,
    };
  }

  /**
   * The running counts, sums and integrals of the run so far, integrals closed at `atSeconds`
   * (no earlier than the last event): every figure only grows as events come, so the figures of
   * a stretch of time are the differences of two of these (`recentMetrics.ts`). Before the
   * measurement window opens everything is zero, as the window's integrals restart when it does.
   */
  totals(atSeconds: number): CollectorTotals {
    if (!(atSeconds >= this.lastTime)) throw new Error(`metrics: time ${atSeconds} is before the last event (${this.lastTime})`);
    if (Number.isNaN(this.windowStart)) return EMPTY_TOTALS;
    const agents = this.agentIds.length;
    const busySecondsByAgent = new Float64Array(agents);
    const drainingSecondsByAgent = new Float64Array(agents);
    let busySlotSeconds = 0;
    for (let i = 0; i < agents; i++) {
      busySecondsByAgent[i] = this.agentCounters.busySecondsOf(i, atSeconds);
      drainingSecondsByAgent[i] = this.operations.drainingSecondsOf(i, atSeconds);
      busySlotSeconds += busySecondsByAgent[i]!;
    }
    const { offersMade, offersRejected, broadcastDuplicates } = this.operations.delegation();
    const { scaleUps, scaleDowns, agentSeconds } = this.operations.fleet(atSeconds, agents);
    return {
      ...this.pooled.totals(),
      ...this.operations.lifeTotals(),
      contextHits: this.contextHits, contextKnown: this.contextKnown,
      assignments: this.assignments, assignmentsRespected: this.assignmentsRespected, retries: this.retries,
      busySlotSeconds, capacitySlotSeconds: this.capacitySlotSeconds + this.capacity * (atSeconds - this.capacitySince),
      offersMade, offersRejected, broadcastDuplicates, scaleUps, scaleDowns, agentSeconds,
      completedByAgent: this.agentCounters.completedByAgent(), tokensByAgent: this.agentCounters.tokensByAgent(),
      busySecondsByAgent, drainingSecondsByAgent,
    };
  }

  /** The classes of the measured tasks so far: their running figures, by dimension (`recentMetrics.ts`). */
  get classLedger(): ClassLedger {
    return this.classes;
  }

  /** Each tenant's latency and service sums over its completed measured tasks so far, by tenant key. */
  tenantSlowdowns(): Map<string, SlowdownTotals> {
    return this.tenantFairness.totals();
  }

  /** Has `listener` told each measured workflow's latency (seconds) as the workflow completes; one listener, the last set. */
  onWorkflowCompleted(listener: (latencySeconds: number) => void): void {
    this.operations.workflowCompleted = listener;
  }

  /** True when no task is warm-up: every task submitted is measured. */
  get measuresEveryTask(): boolean {
    return this.warmupTimeSeconds === 0 && this.warmupTasks === 0;
  }

  /** When the measurement window opened (the first measured submission); NaN before. */
  get windowStartSeconds(): number {
    return this.windowStart;
  }

  /** Tasks (measured or not) in state `queued` now. */
  get queued(): number {
    return this.queueDepth;
  }

  /** The ids of the agents that ever joined, by agent index. */
  get agentIdsByIndex(): readonly string[] {
    return this.agentIds;
  }

  /** Measured tasks in flight now whose deadline lies in [`fromSeconds`, `toSeconds`). */
  overdueInFlight(fromSeconds: number, toSeconds: number): number {
    return this.pooled.overdueInFlight(fromSeconds, toSeconds);
  }

  private onSettledUncompleted(task: TaskView, to: Exclude<FinalTaskState, 'completed'>, time: number): void {
    const spec = task.spec;
    this.classes.settledUncompleted(spec, to, time, spec.deadline);
    this.pooled.settledUncompleted(to, time, spec.deadline);
    this.operations.settled(time, task, false);
  }

  // ---------------------------------------------------------------- helpers

  /** Every integral assumes time never goes back; one compare keeps that honest. */
  private advance(time: number): void {
    if (!(time >= this.lastTime)) throw eventOutOfOrder(time, this.lastTime);
    this.lastTime = time;
  }

  private isMeasured(task: TaskView): boolean {
    return task.submittedAt >= this.warmupTimeSeconds && task.seq >= this.warmupTasks;
  }

  /** Starts the window: the integrals restart from here, the queue maximum from the depth now. */
  private openWindow(time: number): void {
    this.windowStart = time;
    this.capacitySlotSeconds = 0;
    this.capacitySince = time;
    this.agentCounters.restartBusy(time);
    this.maxQueueDepth = this.queueDepth;
    this.operations.openWindow(time);
  }

  private accrueCapacity(time: number): void {
    this.capacitySlotSeconds += this.capacity * (time - this.capacitySince);
    this.capacitySince = time;
  }

  private perAgent(endTimeSeconds: number, windowOpen: boolean): AgentMetrics[] {
    return this.agentIds.map((id, i) => ({
      id,
      completed: this.agentCounters.completedOf(i),
      tokens: this.agentCounters.tokensOf(i),
      busySeconds: windowOpen ? this.agentCounters.busySecondsOf(i, endTimeSeconds) : 0,
      drainingSeconds: this.operations.drainingSecondsOf(i, endTimeSeconds),
    }));
  }
}

/**
 * The collector's running figures at one time ({@link MetricsCollector.totals}): each only
 * grows as events come, so a stretch of time's figures are differences of two of them.
 * Integrals are over the measurement window up to that time.
 */
export interface CollectorTotals extends TaskFoldTotals, LifeTotals {
  /** Starts that knew whether their context was resident, in units (a task or a block). */
  readonly contextKnown: number;
  /** Of those, the units found resident. */
  readonly contextHits: number;
  /** Assignments of measured tasks. */
  readonly assignments: number;
  /** Of those, the ones made while no more urgent eligible task waited. */
  readonly assignmentsRespected: number;
  /** Transitions of measured tasks to `retrying`. */
  readonly retries: number;
  /** Busy slot-seconds, every agent's summed. */
  readonly busySlotSeconds: number;
  /** Capacity slot-seconds on offer. */
  readonly capacitySlotSeconds: number;
  /** Offers made. */
  readonly offersMade: number;
  /** Offers turned down or withdrawn. */
  readonly offersRejected: number;
  /** Broadcast claims that lost. */
  readonly broadcastDuplicates: number;
  /** Agents asked for by autoscalers. */
  readonly scaleUps: number;
  /** Agents set draining by autoscalers. */
  readonly scaleDowns: number;
  /** Agent-seconds paid for. */
  readonly agentSeconds: number;
  /** Completed measured tasks by agent index. */
  readonly completedByAgent: Float64Array;
  /** Their tokens by agent index. */
  readonly tokensByAgent: Float64Array;
  /** Busy slot-seconds by agent index. */
  readonly busySecondsByAgent: Float64Array;
  /** Seconds draining by agent index. */
  readonly drainingSecondsByAgent: Float64Array;
}

/** The totals of a run whose measurement window has not opened: nothing yet. */
export const EMPTY_TOTALS: CollectorTotals = Object.freeze({
  submitted: 0, completed: 0, deadLettered: 0, expired: 0, cancelled: 0, rejected: 0, deadlinesMet: 0, deadlinesSettled: 0,
  setupTokens: 0, workTokens: 0, demandTokens: 0, servedTokens: 0, offeredTasks: 0, reOffers: 0, retriedSettled: 0, retriedCompleted: 0,
  workflowsCompleted: 0, workflowsFailed: 0, workflowDeadlines: 0, workflowDeadlinesMet: 0, contextHits: 0, contextKnown: 0, assignments: 0, assignmentsRespected: 0, retries: 0,
  busySlotSeconds: 0, capacitySlotSeconds: 0, offersMade: 0, offersRejected: 0, broadcastDuplicates: 0, scaleUps: 0, scaleDowns: 0,
  agentSeconds: 0, completedByAgent: new Float64Array(0), tokensByAgent: new Float64Array(0),
  busySecondsByAgent: new Float64Array(0), drainingSecondsByAgent: new Float64Array(0),
});

/** Built out of line, so that `advance` stays small for V8's inliner. */
function eventOutOfOrder(time: number, lastTime: number): Error {
  return new Error(`metrics: event at ${time} after one at ${lastTime}`);
}

/** States in which a task keeps one of its agent's slots busy (an offer holds one idle; a pause frees it). */
function holdsSlot(state: TaskState): boolean {
  return state === 'assigned' || state === 'running';
}

/**
 * The agent whose slot a task gives up. Transitions to `failed` name it; the engine's
 * transitions to the other final states may not, so fall back to the task's `agentIndex`.
 * Reading that mutable field at the event is safe: the sink is called as the transition happens.
 */
function slotHolder(task: TaskView, to: TaskState, agent: AgentView | undefined): number {
  if (agent !== undefined) return agent.index;
  if (to === 'failed') throw new Error(`metrics: transition of task ${task.spec.id} to failed names no agent`);
  return task.agentIndex;
}
