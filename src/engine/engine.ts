/**
 * The scheduling engine: a pure, deterministic state machine (docs/ARCHITECTURE.md).
 *
 * Call protocol (after quinn-proto's `Connection`):
 * - getters: {@link Engine.task}, {@link Engine.agents}, {@link Engine.counts}, {@link Engine.liveTasks};
 * - inputs (`submit`, `started`, `finished`, `timerFired`, `agentJoined`, `agentLeft`, `cancel`,
 *   or {@link Engine.handle} for a logged {@link EngineInput}): each carries `now`, the time it
 *   happened, which must never decrease;
 * - outputs: after every input, drain {@link Engine.pollCommand} until it returns undefined
 *   and carry each command out (a `start` must be answered by `started` once the agent has
 *   begun, then by `finished`); drain {@link Engine.pollEvent} for the audit log. Commands a
 *   driver carries out may feed further inputs; keep draining until both queues are empty.
 *
 * The engine never reads a clock, never draws randomness except from the injected generator,
 * never awaits and does no I/O, so a simulated run and a live run execute the same code.
 */
import { NO_RESIDENT_KEYS, hasFreeSlot, hasTags, type AgentRecord, type AgentSpec, type AgentView } from './agent.js';
import { PoolAutoscaler, type PoolState } from './autoscaler.js';
import type { EngineConfig } from './config.js';
import { FailureMemory } from './failureMemory.js';
import { assertTransition } from './lifecycle.js';
import type { AdminOperation, AgentReport, Command, EngineEvent, EngineInput, OfferAnswer, Outcome, StartReport } from './messages.js';
import { EventObjects, type EventSink } from './eventSink.js';
import { SettledMemory } from './settledMemory.js';
import type { DecisionContext, FleetView, Strategy } from './strategy.js';
import {
  PRIORITY_LEVELS,
  isFinal,
  type AgentId,
  type DependencyFailurePolicy,
  type FailureReason,
  type FinalTaskState,
  type RejectionReason,
  type TaskId,
  type TaskRecord,
  type TaskSpec,
  type TaskState,
  type TaskView,
} from './task.js';
import { TaskIndex } from './taskIndex.js';
import { TaskQueue, type EntryCounter, type QueueOrder } from './taskQueue.js';
import { TokenBucket } from './tokenBucket.js';

/** What the engine needs besides its inputs. */
export interface EngineOptions {
  /** Fully specified settings. */
  readonly config: EngineConfig;
  /** The balancing strategy (a fresh instance per engine: strategies keep state). */
  readonly strategy: Strategy;
  /** Seeded uniform generator in [0, 1) for the strategy. */
  readonly strategyRandom: () => number;
  /** Seeded uniform generator in [0, 1) for the engine's own draws (retry jitter). */
  readonly engineRandom: () => number;
  /**
   * Where events go as they happen. Absent: they are queued as objects for
   * {@link Engine.pollEvent}. Present: they go only to this sink (a fold such as the metrics
   * collector reads them without an object per event), and `pollEvent` returns nothing.
   */
  readonly events?: EventSink;
}

/** Tasks by final state, and those still in flight. */
export interface TaskCounts {
  submitted: number;
  completed: number;
  deadLettered: number;
  expired: number;
  cancelled: number;
  rejected: number;
  inFlight: number;
}

type TimerKind = 'ttl' | 'timeout' | 'retry' | 'offer';
type Timer =
  | { readonly kind: TimerKind; readonly task: TaskRecord }
  | { readonly kind: 'autoscale'; readonly scaler: number };

/**
 * How far an agent may take a task beyond having room for it: ALLOWED (nothing speaks against
 * it), SUSPECT (only failure memory does: better a suspect agent than none), BARRED (it lacks a
 * tag the task asks for, or turned the task down this round).
 */
type Verdict = typeof ALLOWED | typeof SUSPECT | typeof BARRED;
const ALLOWED = 0;
const SUSPECT = 1;
const BARRED = 2;

/** The outcome a strategy's `onSettle` sees for a result below the quality floor. */
const QUALITY_FAILURE: Outcome = Object.freeze({ ok: false, reason: 'quality' });

interface MutableFleet extends FleetView {
  agents: AgentRecord[];
  freeSlots: number;
  queuedTasks: number;
}

interface MutableStart {
  readonly kind: 'start';
  task: TaskView;
  agent: AgentView;
  attempt: number;
}

interface MutableContext extends DecisionContext {
  now: number;
}

/** The engine. Construct with {@link createEngine}. */
export class Engine {
  private readonly config: EngineConfig;
  private readonly strategy: Strategy;
  private readonly engineRandom: () => number;
  private readonly live = new TaskIndex();
  private readonly settled: SettledMemory;
  private readonly waitingFor = new Map<TaskId, TaskRecord[]>();
  private readonly agentIds = new Map<AgentId, number>();
  private readonly fleet: MutableFleet = {
    agents: [], freeSlots: 0, queuedTasks: 0,
    lastQueued: (agent) => this.agentQueues[agent.index]?.peekLeastUrgent(),
  };
  private readonly ctx: MutableContext;
  private readonly entries: EntryCounter = { next: 0 };
  private readonly queueOrder: QueueOrder;
  /** Agents that found nothing to steal while they had a free slot (work-stealing strategies only). */
  private readonly hungry = new Set<AgentRecord>();
  /** Agents whose last slot freed during the current input (pre-warming strategies only). */
  private readonly fallenIdle: AgentRecord[] = [];
  private readonly pool: TaskQueue;
  private readonly agentQueues: TaskQueue[] = [];
  /** Queued tasks per priority over every queue, for priority-respect accounting. */
  private readonly queuedByPriority = new Int32Array(PRIORITY_LEVELS);
  private readonly timers = new Map<number, Timer>();
  // Output queues: slots are reused between drains (truncating an array frees its storage).
  private readonly commands: (Command | undefined)[] = [];
  private readonly events: (EngineEvent | undefined)[] = [];
  private readonly sink: EventSink;
  private commandsWritten = 0;
  /** Reusable `start` commands, by output slot. */
  private readonly startCommands: MutableStart[] = [];
  private eventsWritten = 0;
  private readonly tally: TaskCounts = { submitted: 0, completed: 0, deadLettered: 0, expired: 0, cancelled: 0, rejected: 0, inFlight: 0 };
  private commandsRead = 0;
  private eventsRead = 0;
  private nextTimerId = 1;
  private lastNow = Number.NEGATIVE_INFINITY;
  private poolDirty = false;
  /** Task types an operator paused: their queued tasks wait in `held`, routed nowhere. */
  private readonly pausedTypes = new Set<string>();
  private readonly held: TaskQueue;
  /** Paused tasks free to resume once their agent has a slot, in the order they became free. */
  private readonly resumable: TaskRecord[] = [];
  /** Draining agents that may have run out of work during the current input. */
  private readonly drainCandidates: AgentRecord[] = [];
  private readonly failureMemory: FailureMemory;
  private readonly ingress: TokenBucket;
  private readonly scalers: PoolAutoscaler[];
  /** Agents asked for per autoscaled pool that have not joined yet. */
  private readonly provisioning = new Map<string, number>();
  /** Whether each scaler's evaluation timer is pending; `sleepingScalers` counts those that are not. */
  private readonly scalerAwake: boolean[];
  private sleepingScalers: number;

  /** Use {@link createEngine}. */
  constructor(options: EngineOptions) {
    this.config = options.config;
    this.strategy = options.strategy;
    this.engineRandom = options.engineRandom;
    this.settled = new SettledMemory(options.config.settledMemory);
    this.sink = options.events ?? new EventObjects((event) => (this.events[this.eventsWritten++] = event));
    this.queueOrder = options.strategy.queueOrder ?? 'fifo';
    this.pool = new TaskQueue(this.entries, this.queueOrder);
    this.held = new TaskQueue(this.entries, this.queueOrder);
    const { delegation, failureMemory, ingress } = options.config;
    if (delegation.claim === 'first-fit' && options.config.binding !== 'late') throw new Error('first-fit claiming needs late binding');
    if (!(delegation.offerTimeoutSeconds > 0)) throw new Error(`offerTimeoutSeconds must be > 0, got ${delegation.offerTimeoutSeconds}`);
    if (!Number.isInteger(delegation.maxOffers) || delegation.maxOffers < 1) throw new Error(`maxOffers must be an integer >= 1, got ${delegation.maxOffers}`);
    if (!(options.config.retry.minQuality >= 0 && options.config.retry.minQuality <= 1)) throw new Error('retry.minQuality must be in [0, 1]');
    this.failureMemory = new FailureMemory(failureMemory.seconds, failureMemory.maxEntries);
    this.ingress = new TokenBucket(ingress.ratePerSecond, ingress.burst);
    this.scalers = options.config.autoscale.map((config) => new PoolAutoscaler(config));
    this.scalerAwake = this.scalers.map(() => false);
    this.sleepingScalers = this.scalers.length;
    this.ctx = { now: 0, random: options.strategyRandom, binding: options.config.binding, fleet: this.fleet };
  }

  // ---------------------------------------------------------------- getters

  /** A live (non-final) task, or undefined. */
  task(id: TaskId): TaskView | undefined {
    return this.live.get(id);
  }

  /** Every agent that ever joined, by index. */
  get agents(): readonly AgentView[] {
    return this.fleet.agents;
  }

  /** Conservation ledger: submitted = completed + deadLettered + expired + cancelled + rejected + inFlight. */
  counts(): Readonly<TaskCounts> {
    return { ...this.tally, inFlight: this.live.size };
  }

  /** Live tasks, in no particular order (for invariant checks and drivers that restart). */
  liveTasks(): IterableIterator<TaskView> {
    return this.live.values();
  }

  // ---------------------------------------------------------------- outputs

  /**
   * Next command for the driver, or undefined when there is none. Carry it out (or copy it)
   * before the next input: `start` command objects are reused, one per output slot, because
   * the simulator issues one per attempt.
   */
  pollCommand(): Command | undefined {
    if (this.commandsRead < this.commandsWritten) {
      const command = this.commands[this.commandsRead];
      this.commands[this.commandsRead++] = undefined;
      return command;
    }
    this.commandsRead = this.commandsWritten = 0;
    return undefined;
  }

  /** Next audit-log event, or undefined when there is none. */
  pollEvent(): EngineEvent | undefined {
    if (this.eventsRead < this.eventsWritten) {
      const event = this.events[this.eventsRead];
      this.events[this.eventsRead++] = undefined;
      return event;
    }
    this.eventsRead = this.eventsWritten = 0;
    return undefined;
  }

  private command(command: Command): void {
    this.commands[this.commandsWritten++] = command;
  }

  private commandStart(task: TaskRecord, agent: AgentRecord): void {
    const slot = this.commandsWritten++;
    let start = this.startCommands[slot];
    if (start === undefined) this.startCommands[slot] = start = { kind: 'start', task, agent, attempt: task.attempt };
    else {
      start.task = task;
      start.agent = agent;
      start.attempt = task.attempt;
    }
    this.commands[slot] = start;
  }

  // ---------------------------------------------------------------- inputs

  /** Applies a logged input (for replay and for drivers that pass messages). */
  handle(input: EngineInput): void {
    switch (input.kind) {
      case 'submit': return this.submit(input.now, input.task);
      case 'started': return this.started(input.now, input.taskId, input.attempt, input.report);
      case 'finished': return this.finished(input.now, input.taskId, input.attempt, input.outcome);
      case 'timer': return this.timerFired(input.now, input.timerId);
      case 'agentJoined': return this.agentJoined(input.now, input.agent);
      case 'agentLeft': return this.agentLeft(input.now, input.agentId);
      case 'cancel': return this.cancel(input.now, input.taskId);
      case 'offerAnswered': return this.offerAnswered(input.now, input.taskId, input.agentId, input.offer, input.answer, input.setupTokens);
      case 'admin': return this.admin(input.now, input.operation);
      default: {
        const unreachable: never = input;
        throw new Error(`unknown engine input ${JSON.stringify(unreachable)}`);
      }
    }
  }

  /** A task arrives. */
  submit(now: number, spec: TaskSpec): void {
    this.advance(now);
    assertTaskSpec(spec);
    if (this.settled.has(spec.id)) throw new Error(`duplicate task id ${spec.id}`);
    const task = this.newRecord(spec, now);
    if (!this.live.insert(task)) throw new Error(`duplicate task id ${spec.id}`);
    this.tally.submitted++;
    this.sink.submitted(now, task);
    this.strategy.onSubmitted?.(task, this.ctx);
    this.resolveWaiters(task);
    if (this.sleepingScalers > 0) this.wakeScalers(now);
    this.admitSubmission(task, now);
    this.dispatch(now);
  }

  /**
   * Rejects, blocks or queues a new task. Even a task turned away may release dependents that
   * named it before it existed (an `ignore` edge), so the caller dispatches in every case.
   */
  private admitSubmission(task: TaskRecord, now: number): void {
    if (!this.ingress.tryTake(now)) return this.finish(task, 'rejected', now, 'rate-limited');
    if (this.dependsOnItself(task)) return this.finish(task, 'rejected', now, 'dependency-cycle');
    if (this.strategy.admit !== undefined && !this.strategy.admit(task, this.ctx)) {
      return this.finish(task, 'rejected', now, 'admission');
    }
    const failedDependency = this.linkDependencies(task);
    if (failedDependency === 'cancel') return this.finish(task, 'cancelled', now, 'dependency-failed');
    if (failedDependency === 'cascade-fail') return this.finish(task, 'dead-lettered', now, 'dependency-failed');
    if (task.unmetDependencies > 0) {
      this.move(task, 'blocked', now);
      return;
    }
    if (!this.admitToQueue(task, now)) return;
    this.enqueue(task, now);
  }

  /**
   * The driver began attempt `attempt` of a task it was told to start. `task` is its id, or the
   * view the start command carried (which spares a lookup by id).
   */
  started(now: number, task: TaskId | TaskView, attempt: number, report: StartReport): void {
    this.advance(now);
    const record = this.record(task);
    if (record === undefined || record.state !== 'assigned' || record.attempt !== attempt) {
      this.sink.staleResult(now, idOf(task), attempt);
      return;
    }
    this.startAttempt(record, now, report);
  }

  private startAttempt(task: TaskRecord, now: number, report: StartReport): void {
    const agent = this.fleet.agents[task.agentIndex]!;
    if (report.agent !== undefined) this.observe(agent, report.agent, now);
    task.startedAt = now;
    const from = this.enter(task, 'running');
    this.sink.started(now, task, from, agent, task.attempt, report.setupTokens, report.contextHit);
    if (task.spec.timeoutSeconds !== undefined) task.timerId = this.setTimer('timeout', task, now + task.spec.timeoutSeconds);
  }

  /** Attempt `attempt` of a task ended with `outcome`; `task` as for {@link Engine.started}. */
  finished(now: number, task: TaskId | TaskView, attempt: number, outcome: Outcome): void {
    this.advance(now);
    const record = this.record(task);
    if (record === undefined || record.state !== 'running' || record.attempt !== attempt) {
      this.sink.staleResult(now, idOf(task), attempt);
      return;
    }
    this.endRunningAttempt(record, now, outcome);
  }

  private endRunningAttempt(task: TaskRecord, now: number, outcome: Outcome): void {
    const agent = this.fleet.agents[task.agentIndex]!;
    if (outcome.agent !== undefined) this.observe(agent, outcome.agent, now);
    this.clearTimer(task);
    this.releaseSlot(task, agent);
    if (outcome.ok && outcome.quality < this.config.retry.minQuality) {
      // Below the quality floor the result does not count: the attempt failed.
      this.strategy.onSettle?.(task, agent, QUALITY_FAILURE, this.ctx);
      this.failAttempt(task, agent, 'quality', now);
    } else if (outcome.ok) {
      this.strategy.onSettle?.(task, agent, outcome, this.ctx);
      agent.completed++;
      const from = this.enter(task, 'completed');
      this.sink.completed(now, task, from, agent, outcome.quality);
      this.settle(task, 'completed', now);
    } else {
      this.strategy.onSettle?.(task, agent, outcome, this.ctx);
      this.failAttempt(task, agent, outcome.reason, now);
    }
    this.refill(agent, now);
    this.dispatch(now);
  }

  /** A timer the engine set has fired. Timers it cancelled are ignored. */
  timerFired(now: number, timerId: number): void {
    this.advance(now);
    const timer = this.timers.get(timerId);
    if (timer === undefined) return;
    this.timers.delete(timerId);
    if (timer.kind === 'autoscale') {
      this.evaluateScaler(timer.scaler, now);
      this.dispatch(now);
      return;
    }
    const task = timer.task;
    switch (timer.kind) {
      case 'ttl':
        task.timerId = 0;
        this.unqueue(task);
        this.finish(task, 'expired', now, 'ttl');
        break;
      case 'timeout': {
        task.timerId = 0;
        const agent = this.fleet.agents[task.agentIndex]!;
        this.endAttempt(task, agent, 'timeout');
        this.failAttempt(task, agent, 'timeout', now);
        this.refill(agent, now);
        break;
      }
      case 'retry':
        task.timerId = 0;
        this.move(task, 'queued', now);
        this.enqueue(task, now);
        break;
      case 'offer':
        task.timerId = 0;
        this.withdrawOffers(task, now, 'offer-timeout');
        this.returnOffer(task, now);
        break;
      default: {
        const unreachable: never = timer;
        throw new Error(`unknown timer ${JSON.stringify(unreachable)}`);
      }
    }
    this.dispatch(now);
  }

  /** An agent joins the fleet and may take work at once. */
  agentJoined(now: number, spec: AgentSpec): void {
    this.advance(now);
    if (this.agentIds.has(spec.id)) throw new Error(`duplicate agent id ${spec.id}`);
    if (!Number.isInteger(spec.capacity) || spec.capacity < 1) throw new Error(`agent ${spec.id}: capacity must be an integer >= 1`);
    const agent: AgentRecord = {
      spec, index: this.fleet.agents.length, accepting: true, draining: false, paused: 0, left: false, active: 0, queued: 0,
      outstandingTokens: 0, contextUtilization: 0, residentKeys: NO_RESIDENT_KEYS, observedAt: now, completed: 0,
    };
    if (spec.pool !== undefined) {
      const pending = this.provisioning.get(spec.pool) ?? 0;
      if (pending > 0) this.provisioning.set(spec.pool, pending - 1);
    }
    this.fleet.agents.push(agent);
    this.agentIds.set(spec.id, agent.index);
    this.agentQueues.push(new TaskQueue(this.entries, this.queueOrder));
    this.fleet.freeSlots += spec.capacity;
    this.sink.agentJoined(now, agent);
    this.strategy.onAgentJoined?.(agent, this.ctx);
    if (this.strategy.prewarm !== undefined) this.fallenIdle.push(agent);
    this.poolDirty = true;
    if (this.sleepingScalers > 0) this.wakeScalers(now);
    this.dispatch(now);
    this.refill(agent, now); // early binding: a newcomer with nothing routed to it may steal
  }

  /** An agent leaves: its attempts fail with `agent-lost`, its own queue goes back to routing. */
  agentLeft(now: number, agentId: AgentId): void {
    this.advance(now);
    const agent = this.agentNamed(agentId);
    const index = agent.index;
    if (agent.left) return;
    this.stopAccepting(agent);
    agent.left = true;
    agent.draining = false;
    this.strategy.onAgentLeft?.(agent, this.ctx);
    this.loadChanged(agent);
    // In submission order, so the failures are reported in the order a reader expects.
    for (const task of [...this.live.values()].sort((a, b) => a.seq - b.seq)) {
      if (task.state === 'offered' && task.offeredTo?.includes(index)) {
        this.closeOffer(task, agent, now, 'agent-lost', true);
        if (task.offeredTo === undefined) this.returnOffer(task, now);
        continue;
      }
      if (task.agentIndex !== index) continue;
      if (task.state === 'assigned' || task.state === 'running' || task.state === 'paused') {
        this.endAttempt(task, agent, 'agent-lost');
        this.failAttempt(task, agent, 'agent-lost', now);
      }
    }
    this.startStalledRounds();
    this.rerouteOwnQueue(agent);
    this.loadChanged(agent);
    this.sink.agentLeft(now, agent);
    // A pool that lost an agent may be below its minimum: a sleeping scaler must look again.
    if (this.sleepingScalers > 0) this.wakeScalers(now);
    this.dispatch(now);
  }

  /** The agent takes no new work: its free slots leave the fleet's count. */
  private stopAccepting(agent: AgentRecord): void {
    if (!agent.accepting) return;
    agent.accepting = false;
    this.fleet.freeSlots -= agent.spec.capacity - agent.active;
  }

  /** Tasks waiting in an agent's own queue (early binding) are routed again. */
  private rerouteOwnQueue(agent: AgentRecord): void {
    const own = this.agentQueues[agent.index]!;
    for (let task = own.shift(); task !== undefined; task = own.shift()) {
      this.uncount(task);
      agent.queued--;
      agent.outstandingTokens -= task.spec.tokens;
      task.agentIndex = -1;
      this.route(task);
    }
  }

  /** Cancels a task in any non-final state; unknown or already settled ids are ignored. */
  cancel(now: number, taskId: TaskId): void {
    this.advance(now);
    const task = this.live.get(taskId);
    if (task === undefined) return;
    this.cancelTask(task, now, 'cancelled-by-request');
    this.dispatch(now);
  }

  /**
   * `agentId` answered offer number `offer` of a task (`task` as for {@link Engine.started}).
   * An answer to an offer that is no longer open is recorded, never applied: under broadcast, an
   * acceptance that lost to an earlier one is a duplicate claim whose `setupTokens` (context the
   * agent loaded to claim it) were spent for nothing.
   */
  offerAnswered(now: number, task: TaskId | TaskView, agentId: AgentId, offer: number, answer: OfferAnswer, setupTokens = 0): void {
    this.advance(now);
    const agent = this.agentNamed(agentId);
    const record = this.record(task);
    const at = record === undefined || record.state !== 'offered' || record.offers !== offer ? -1 : record.offeredTo!.indexOf(agent.index);
    if (at < 0) {
      if (answer.accepted && record !== undefined && this.config.delegation.mode === 'broadcast') {
        this.sink.duplicateClaim(now, record, agent, setupTokens);
      } else {
        this.sink.staleResult(now, idOf(task), offer);
      }
      return;
    }
    const offered = record!;
    if (answer.accepted) {
      offered.offeredTo!.splice(at, 1);
      this.sink.offerAnswered(now, offered, agent, true, undefined);
      // The first claim wins; every other open offer is withdrawn.
      this.withdrawAll(offered);
      this.bindOffered(offered, agent, now);
    } else {
      this.closeOffer(offered, agent, now, answer.reason, false);
      if (offered.offeredTo === undefined) this.returnOffer(offered, now);
    }
    this.dispatch(now);
  }

  /** Applies an operator's action (see {@link AdminOperation}). Unknown ids throw; settled tasks are ignored. */
  admin(now: number, operation: AdminOperation): void {
    this.advance(now);
    switch (operation.op) {
      case 'pause-type':
        this.pauseType(operation.type);
        break;
      case 'resume-type':
        this.resumeType(operation.type);
        break;
      case 'drain':
        this.drain(this.agentNamed(operation.agentId), now);
        break;
      case 'set-priority':
        this.setPriority(operation.taskId, operation.priority);
        break;
      case 'pause': {
        const task = this.live.get(operation.taskId);
        if (task !== undefined && task.state === 'running') this.pauseTask(task, now, false);
        break;
      }
      case 'resume': {
        const task = this.live.get(operation.taskId);
        if (task !== undefined && task.state === 'paused' && !task.resumeReady) this.makeResumable(task);
        break;
      }
      default: {
        const unreachable: never = operation;
        throw new Error(`unknown admin operation ${JSON.stringify(unreachable)}`);
      }
    }
    this.sink.admin(now, operation);
    this.dispatch(now);
  }

  // ---------------------------------------------------------------- operations

  private agentNamed(agentId: AgentId): AgentRecord {
    const index = this.agentIds.get(agentId);
    if (index === undefined) throw new Error(`unknown agent ${agentId}`);
    return this.fleet.agents[index]!;
  }

  /** Tasks of `type` stop being routed: the queued ones move to the held queue until resumed. */
  private pauseType(type: string): void {
    if (this.pausedTypes.has(type)) return;
    const moving: TaskRecord[] = [];
    for (const task of this.live.values()) if (task.state === 'queued' && task.spec.type === type) moving.push(task);
    moving.sort((a, b) => a.seq - b.seq);
    for (const task of moving) {
      this.takeFromQueue(task);
      this.uncount(task);
    }
    this.pausedTypes.add(type);
    for (const task of moving) this.route(task);
  }

  private resumeType(type: string): void {
    if (!this.pausedTypes.delete(type)) return;
    const waiting: TaskRecord[] = [];
    for (let task = this.held.shift(); task !== undefined; task = this.held.shift()) waiting.push(task);
    for (const task of waiting) {
      this.uncount(task);
      this.route(task);
    }
  }

  /** A queued task's priority changes: it takes its place among tasks of the new priority. */
  private setPriority(taskId: TaskId, priority: number): void {
    if (!Number.isInteger(priority) || priority < 0 || priority >= PRIORITY_LEVELS) {
      throw new Error(`set-priority of ${taskId}: priority must be an integer 0..${PRIORITY_LEVELS - 1}, got ${priority}`);
    }
    const task = this.live.get(taskId);
    if (task === undefined || task.priority === priority) return;
    if (task.state !== 'queued') {
      task.priority = priority;
      return;
    }
    const agent = task.agentIndex >= 0 && this.config.binding === 'early' ? this.fleet.agents[task.agentIndex]! : undefined;
    const queue = this.queueOf(task);
    queue.remove(task);
    this.uncount(task);
    task.priority = priority;
    queue.push(task);
    this.count(task);
    if (agent !== undefined) this.loadChanged(agent);
    this.poolDirty = true;
  }

  /** Draining: the agent finishes what it holds, takes nothing new, then leaves. */
  private drain(agent: AgentRecord, now: number): void {
    if (agent.left || agent.draining) return;
    agent.draining = true;
    this.stopAccepting(agent);
    this.loadChanged(agent);
    this.sink.agentDraining(now, agent);
    this.startStalledRounds();
    this.rerouteOwnQueue(agent);
    this.loadChanged(agent); // its own queue emptied: strategies that index load must hear it
    this.drainCandidates.push(agent);
  }

  /** Draining agents with nothing left to do leave the fleet; the driver is told to retire them. */
  private retireDrained(now: number): void {
    const candidates = this.drainCandidates.splice(0);
    for (const agent of candidates) {
      if (!agent.draining || agent.active > 0 || agent.paused > 0) continue;
      agent.draining = false;
      agent.left = true;
      this.strategy.onAgentLeft?.(agent, this.ctx);
      this.loadChanged(agent);
      this.sink.agentLeft(now, agent);
      this.command({ kind: 'retire', agentId: agent.spec.id });
    }
  }

  /** Running → paused: the slot is freed, the agent keeps the task's context. */
  private pauseTask(task: TaskRecord, now: number, resumeWhenFree: boolean): void {
    const agent = this.fleet.agents[task.agentIndex]!;
    this.clearTimer(task);
    this.command({ kind: 'pause', task, agent, attempt: task.attempt });
    this.move(task, 'paused', now, agent);
    agent.paused++;
    this.releaseSlot(task, agent);
    if (resumeWhenFree) this.makeResumable(task);
  }

  private makeResumable(task: TaskRecord): void {
    task.resumeReady = true;
    this.resumable.push(task);
  }

  /** Paused tasks whose agents have a free slot run again, before any new work binds. */
  private resumePaused(now: number): void {
    let kept = 0;
    for (const task of this.resumable) {
      if (task.state !== 'paused' || !task.resumeReady) continue; // settled or failed meanwhile
      const agent = this.fleet.agents[task.agentIndex]!;
      if (agent.active >= agent.spec.capacity) {
        this.resumable[kept++] = task;
        continue;
      }
      task.resumeReady = false;
      agent.paused--;
      this.takeSlot(task, agent);
      this.command({ kind: 'resume', task, agent, attempt: task.attempt });
      const from = this.enter(task, 'running');
      this.sink.started(now, task, from, agent, task.attempt, 0, null);
      if (task.spec.timeoutSeconds !== undefined) task.timerId = this.setTimer('timeout', task, now + task.spec.timeoutSeconds);
    }
    this.resumable.length = kept;
  }

  /**
   * Preemption: the most urgent pool task is critical and no agent that may take it has room.
   * Pauses the least urgent running task (newest first among equals) on an agent that may take
   * it; true when a slot was freed.
   */
  private preemptFor(task: TaskRecord, now: number): boolean {
    if (this.config.preemption !== 'pause-lowest' || task.priority !== 0) return false;
    let victim: TaskRecord | undefined;
    for (const candidate of this.live.values()) {
      if (candidate.state !== 'running' || candidate.priority === 0) continue;
      const agent = this.fleet.agents[candidate.agentIndex]!;
      if (!agent.accepting || this.verdict(task, agent) === BARRED) continue;
      if (task.spec.assignee !== undefined && task.spec.assignee !== agent.spec.id) continue;
      if (victim === undefined || candidate.priority > victim.priority ||
          (candidate.priority === victim.priority && candidate.seq > victim.seq)) victim = candidate;
    }
    if (victim === undefined) return false;
    this.pauseTask(victim, now, true);
    return true;
  }

  // ---------------------------------------------------------------- offers

  /** Queued → offered: each agent holds a slot for the task until it answers or the offer closes. */
  private offer(task: TaskRecord, agents: readonly AgentRecord[], now: number): void {
    // Counted first, so the transition event carries the round's number.
    task.offers++;
    const from = this.enter(task, 'offered');
    this.sink.transition(now, task, from, 'offered', agents.length === 1 ? agents[0] : undefined, undefined);
    task.offeredTo = agents.map((agent) => agent.index);
    for (const agent of agents) {
      this.takeSlot(task, agent);
      this.sink.offerMade(now, task, agent);
      this.command({ kind: 'offer', task, agent, offer: task.offers });
    }
    const timeout = this.config.delegation.offerTimeoutSeconds;
    if (timeout !== Number.POSITIVE_INFINITY) task.timerId = this.setTimer('offer', task, now + timeout);
  }

  /** Offered → assigned on the agent that accepted; it already holds the slot. */
  private bindOffered(task: TaskRecord, agent: AgentRecord, now: number): void {
    task.rejectedBy = undefined; // the round of offers ends with a claim; a retry starts afresh
    task.agentIndex = agent.index;
    task.attempt++;
    const from = this.enter(task, 'assigned');
    this.sink.assigned(now, task, from, agent, true);
    this.commandStart(task, agent);
  }

  /** Withdraws every open offer of `task` (no answer counted) and its timeout. */
  private withdrawAll(task: TaskRecord): void {
    this.clearTimer(task);
    for (const index of task.offeredTo!) this.withdrawFrom(task, this.fleet.agents[index]!);
    task.offeredTo = undefined;
  }

  /** Withdraws an open offer from `agent` and frees the slot it held. */
  private withdrawFrom(task: TaskRecord, agent: AgentRecord): void {
    this.command({ kind: 'withdraw', taskId: task.spec.id, agentId: agent.spec.id, offer: task.offers });
    this.releaseSlot(task, agent);
  }

  /**
   * Closes `agent`'s open offer as a rejection with `reason`: its answer, or (with `withdraw`) a
   * timeout or the agent's departure, for which the driver is told to stop preparing.
   */
  private closeOffer(task: TaskRecord, agent: AgentRecord, now: number, reason: RejectionReason, withdraw: boolean): void {
    const at = task.offeredTo!.indexOf(agent.index);
    task.offeredTo!.splice(at, 1);
    this.sink.offerAnswered(now, task, agent, false, reason);
    if (withdraw) this.withdrawFrom(task, agent);
    else this.releaseSlot(task, agent);
    this.rejected(task, agent, reason);
    if (task.offeredTo!.length === 0) {
      this.clearTimer(task);
      task.offeredTo = undefined;
    }
  }

  /** Every open offer of `task` is withdrawn, counted as rejected with `reason`. */
  private withdrawOffers(task: TaskRecord, now: number, reason: RejectionReason): void {
    for (const index of [...task.offeredTo!]) this.closeOffer(task, this.fleet.agents[index]!, now, reason, true);
  }

  /**
   * Records a rejection; a round ends (everyone may be asked again) once every candidate has said
   * no. A task assigned by name is offered to its assignee again (until `maxOffers`).
   */
  private rejected(task: TaskRecord, agent: AgentRecord, reason: RejectionReason): void {
    task.rejectionReason = reason;
    if (task.spec.assignee !== undefined) return;
    const by = (task.rejectedBy ??= []);
    if (!by.includes(agent.index)) by.push(agent.index);
  }

  /**
   * No open offer is left: the task goes back to the queue to be offered elsewhere, or fails
   * with reason `rejected` once it has had `maxOffers` offers.
   */
  private returnOffer(task: TaskRecord, now: number): void {
    if (task.offers >= this.config.delegation.maxOffers) {
      task.rejectedBy = undefined;
      this.move(task, 'failed', now, undefined, 'rejected');
      this.finish(task, 'dead-lettered', now, 'rejected');
      return;
    }
    if (this.everyCandidateRejected(task)) task.rejectedBy = undefined;
    this.enqueue(task, now);
  }

  /**
   * An agent stopped taking work (it left or began draining): a queued task that every remaining
   * candidate has turned down this round starts a new one, or it would wait forever.
   */
  private startStalledRounds(): void {
    if (this.config.delegation.mode === 'assign') return;
    for (const task of this.live.values()) {
      if (task.state !== 'queued' || !this.everyCandidateRejected(task)) continue;
      task.rejectedBy = undefined;
      this.poolDirty = true;
    }
  }

  private everyCandidateRejected(task: TaskRecord): boolean {
    const by = task.rejectedBy;
    if (by === undefined) return false;
    for (const agent of this.fleet.agents) {
      if (!agent.left && !agent.draining && hasTags(agent, task.spec.tags) && !by.includes(agent.index)) return false;
    }
    return true;
  }

  // ---------------------------------------------------------------- autoscaling

  /** Starts the evaluation timer of every sleeping scaler (at the first input, and after a sleep). */
  private wakeScalers(now: number): void {
    this.scalers.forEach((scaler, i) => {
      if (this.scalerAwake[i]) return;
      this.scalerAwake[i] = true;
      this.sleepingScalers--;
      this.armScaler(i, now + scaler.config.intervalSeconds);
    });
  }

  private armScaler(scaler: number, at: number): void {
    const timerId = this.nextTimerId++;
    this.timers.set(timerId, { kind: 'autoscale', scaler });
    this.command({ kind: 'setTimer', timerId, at });
  }

  private evaluateScaler(index: number, now: number): void {
    const scaler = this.scalers[index]!;
    const pool = scaler.config.pool;
    const state = this.poolState(pool);
    const decision = scaler.decide(now, state);
    if (decision === 'up') {
      this.provisioning.set(pool, (this.provisioning.get(pool) ?? 0) + 1);
      this.command({ kind: 'provision', pool });
      this.sink.scaled(now, pool, 'up', undefined);
      scaler.acted(now);
    } else if (decision === 'down') {
      const agent = this.scaleDownCandidate(pool);
      if (agent !== undefined) {
        this.sink.scaled(now, pool, 'down', agent);
        this.drain(agent, now);
        scaler.acted(now);
      }
    }
    // The scaler sleeps once nothing is left to do and its pool is at its minimum; the next
    // submission wakes it, so a drained simulation ends. It never drains the last agent, so
    // a pool of one is at its minimum even when minAgents is 0.
    const idle = this.live.size === 0 && state.accepting + state.provisioning <= Math.max(scaler.config.minAgents, 1) && decision === 'hold';
    if (idle) {
      this.scalerAwake[index] = false;
      this.sleepingScalers++;
    } else {
      this.armScaler(index, now + scaler.config.intervalSeconds);
    }
  }

  private poolState(pool: string): PoolState {
    let accepting = 0;
    let draining = 0;
    let busySlots = 0;
    let totalSlots = 0;
    for (const agent of this.fleet.agents) {
      if (agent.spec.pool !== pool || agent.left) continue;
      if (agent.draining) {
        draining++;
        continue;
      }
      accepting++;
      busySlots += agent.active;
      totalSlots += agent.spec.capacity;
    }
    // Tasks of a paused type wait for an operator, not for agents: they do not call for more.
    const queuedTasks = this.fleet.queuedTasks - this.held.size;
    return { accepting, draining, busySlots, totalSlots, provisioning: this.provisioning.get(pool) ?? 0, queuedTasks };
  }

  /** The pool's agent with the least in hand, the newest among equals. */
  private scaleDownCandidate(pool: string): AgentRecord | undefined {
    let best: AgentRecord | undefined;
    for (const agent of this.fleet.agents) {
      if (agent.spec.pool !== pool || !agent.accepting) continue;
      if (best === undefined || agent.active + agent.queued <= best.active + best.queued) best = agent;
    }
    return best;
  }

  // ---------------------------------------------------------------- internals

  /** The record a driver names by id (undefined when no live task has it) or by the view it was handed. */
  private record(task: TaskId | TaskView): TaskRecord | undefined {
    if (typeof task === 'string') return this.live.get(task);
    const record = task as TaskRecord;
    if (record.owner !== this) throw new Error(`task ${record.spec.id} was handed out by another engine`);
    return record; // a settled record is in a final state, which every caller's state check rejects
  }

  private advance(now: number): void {
    if (!(now >= this.lastNow)) throw new Error(`time went backwards: ${now} after ${this.lastNow}`);
    this.lastNow = now;
    this.ctx.now = now;
  }

  private newRecord(spec: TaskSpec, now: number): TaskRecord {
    return {
      owner: this, spec, state: 'created', seq: this.tally.submitted, submittedAt: now, attempt: 0, agentIndex: -1, startedAt: Number.NaN,
      failureReason: undefined, priority: spec.priority, offers: 0, rejectionReason: undefined, offeredTo: undefined,
      rejectedBy: undefined, resumeReady: false, maxRetries: spec.maxRetries ?? this.config.retry.maxRetries,
      unmetDependencies: 0, dependents: undefined, queueEntry: 0, timerId: 0, liveSlot: -1,
    };
  }

  private dependsOnItself(task: TaskRecord): boolean {
    const deps = task.spec.dependsOn;
    if (deps === undefined || deps.length === 0) return false;
    // Only tasks submitted earlier can wait on this one (through waitingFor, resolved just
    // before), so a cycle is a path from this task's dependencies back to itself.
    const stack: TaskRecord[] = [task];
    const seen = new Set<TaskRecord>();
    while (stack.length > 0) {
      const current = stack.pop()!;
      for (const id of current.spec.dependsOn ?? []) {
        if (id === task.spec.id) return true;
        const dep = this.live.get(id);
        if (dep !== undefined && dep.state === 'blocked' && !seen.has(dep)) {
          seen.add(dep);
          stack.push(dep);
        }
      }
    }
    return false;
  }

  /**
   * Counts unmet dependencies and registers as their dependent. When one already ended without
   * completing, returns what its edge says to do (`cancel` or `cascade-fail`); an `ignore` edge
   * counts as met.
   */
  private linkDependencies(task: TaskRecord): Exclude<DependencyFailurePolicy, 'ignore'> | undefined {
    const deps = task.spec.dependsOn;
    if (deps === undefined) return undefined;
    for (const id of deps) {
      const dep = this.live.get(id);
      if (dep !== undefined) {
        task.unmetDependencies++;
        (dep.dependents ??= []).push(task);
        continue;
      }
      const final = this.settled.get(id);
      if (final === 'completed') continue;
      if (final !== undefined) {
        const policy = this.edgePolicy(task, id);
        if (policy === 'ignore') continue;
        return policy;
      }
      task.unmetDependencies++;
      const waiters = this.waitingFor.get(id);
      if (waiters === undefined) this.waitingFor.set(id, [task]);
      else waiters.push(task);
    }
    return undefined;
  }

  /** The failure policy of the edge from `task` to its dependency `dependencyId`. */
  private edgePolicy(task: TaskRecord, dependencyId: TaskId): DependencyFailurePolicy {
    return task.spec.dependencyPolicy?.[dependencyId] ?? this.config.dependencies.onFailure;
  }

  /** Tasks submitted earlier that named this id before it existed now wait on it directly. */
  private resolveWaiters(task: TaskRecord): void {
    if (this.waitingFor.size === 0) return;
    const waiters = this.waitingFor.get(task.spec.id);
    if (waiters === undefined) return;
    this.waitingFor.delete(task.spec.id);
    task.dependents = waiters;
  }

  /** Backpressure at submission; false when the task was turned away. */
  private admitToQueue(task: TaskRecord, now: number): boolean {
    if (this.fleet.queuedTasks < this.config.queue.maxDepth) return true;
    if (this.config.queue.overflow === 'shed-lowest') {
      const victim = this.leastUrgentQueued();
      if (victim !== undefined && victim.priority > task.priority) {
        this.unqueue(victim);
        this.finish(victim, 'rejected', now, 'shed');
        return true;
      }
    }
    this.finish(task, 'rejected', now, 'backpressure');
    return false;
  }

  private leastUrgentQueued(): TaskRecord | undefined {
    // Tasks held by a paused type count against maxDepth, so they may be shed too.
    let worst = lessUrgent(this.pool.peekLeastUrgent(), this.held.peekLeastUrgent());
    for (const queue of this.agentQueues) worst = lessUrgent(worst, queue.peekLeastUrgent());
    return worst;
  }

  /** Moves a task into the queued state and into a queue. */
  private enqueue(task: TaskRecord, now: number): void {
    if (task.state !== 'queued') this.move(task, 'queued', now);
    if (task.spec.ttlSeconds !== undefined) task.timerId = this.setTimer('ttl', task, now + task.spec.ttlSeconds);
    this.route(task);
  }

  /** Puts a queued task in the pool (late binding) or in the chosen agent's queue (early). */
  private route(task: TaskRecord): void {
    this.count(task);
    task.agentIndex = -1;
    if (this.pausedTypes.size > 0 && this.pausedTypes.has(task.spec.type)) {
      this.held.push(task);
      return;
    }
    if (this.config.binding === 'late') {
      this.pool.push(task);
      this.poolDirty = true;
      return;
    }
    const agent = this.chooseForEarly(task);
    if (agent === undefined) {
      this.pool.push(task); // no accepting agent: wait in the pool until one joins
      return;
    }
    task.agentIndex = agent.index;
    this.agentQueues[agent.index]!.push(task);
    agent.queued++;
    agent.outstandingTokens += task.spec.tokens;
    this.strategy.onAssign?.(task, agent, this.ctx);
    this.loadChanged(agent);
    this.refill(agent, this.ctx.now);
    if (agent.queued > 0 && this.hungry.size > 0) this.feedHungry(this.ctx.now);
  }

  private chooseForEarly(task: TaskRecord): AgentRecord | undefined {
    const assignee = this.assigneeOf(task);
    // As under late binding (pickFor): an assignee lacking a tag the task asks for may not take it.
    if (assignee !== null) return assignee !== undefined && assignee.accepting && this.verdict(task, assignee) !== BARRED ? assignee : undefined;
    const picked = this.strategy.pickAgent(task, this.ctx);
    if (picked === undefined) return undefined;
    const agent = this.fleet.agents[picked.index];
    if (agent !== picked || !agent.accepting) throw new Error(`strategy ${this.strategy.name} picked agent ${picked.spec.id}, which is not accepting`);
    return this.constrained(task) ? this.honourConstraints(task, agent) : agent;
  }

  /**
   * True when something besides room may bar an agent from `task`: tags, rejected offers, or
   * failure memory of an earlier attempt. Plain tasks skip every check below.
   */
  private constrained(task: TaskRecord): boolean {
    return (task.spec.tags !== undefined && task.spec.tags.length > 0) || task.rejectedBy !== undefined ||
      (task.attempt > 0 && this.failureMemory.size > 0);
  }

  private verdict(task: TaskRecord, agent: AgentView): Verdict {
    if (!hasTags(agent, task.spec.tags)) return BARRED;
    if (task.rejectedBy !== undefined && task.rejectedBy.includes(agent.index)) return BARRED;
    if (task.attempt > 0 && this.failureMemory.avoids(agent.index, task.spec.type, this.ctx.now)) return SUSPECT;
    return ALLOWED;
  }

  /**
   * The strategy's pick if nothing bars it; otherwise the agent a constraint-aware fallback
   * finds ({@link Engine.fallbackAgent}). When nothing is free but agents only failure memory
   * speaks against, the task waits for an agent it does not suspect if the fleet has one (busy
   * now), and takes the suspect pick only when every agent that may take it is suspect.
   */
  private honourConstraints(task: TaskRecord, picked: AgentRecord): AgentRecord | undefined {
    if (this.verdict(task, picked) === ALLOWED) return picked;
    const fallback = this.fallbackAgent(task, false);
    if (fallback !== undefined && this.acceptable(task, fallback)) return fallback;
    return this.acceptable(task, picked) ? picked : undefined;
  }

  /**
   * Whether `task` may go to `agent`: nothing bars it, and failure memory suspects it only when
   * no agent of the fleet, free or not, is free of suspicion (else the task waits for that one).
   */
  private acceptable(task: TaskRecord, agent: AgentRecord): boolean {
    const verdict = this.verdict(task, agent);
    if (verdict !== SUSPECT) return verdict === ALLOWED;
    for (const other of this.fleet.agents) if (other.accepting && this.verdict(task, other) === ALLOWED) return false;
    return true;
  }

  /**
   * Among agents eligible now (free slot under late binding, accepting under early) that nothing
   * bars from `task`: the first by index when `firstFit`, otherwise the one with the fewest tasks
   * in hand per slot (lowest index among equals). Agents only failure memory speaks against come
   * last. Undefined when none is eligible.
   */
  private fallbackAgent(task: TaskRecord, firstFit: boolean): AgentRecord | undefined {
    let best: AgentRecord | undefined;
    let bestVerdict: Verdict = BARRED;
    let bestLoad = Number.POSITIVE_INFINITY;
    const late = this.config.binding === 'late';
    for (const agent of this.fleet.agents) {
      if (late ? !hasFreeSlot(agent) : !agent.accepting) continue;
      const verdict = this.verdict(task, agent);
      if (verdict === BARRED || verdict > bestVerdict) continue;
      const load = firstFit ? 0 : (agent.active + agent.queued) / agent.spec.capacity;
      if (verdict < bestVerdict || load < bestLoad) {
        best = agent;
        bestVerdict = verdict;
        bestLoad = load;
      }
    }
    return best;
  }

  /** The task's named assignee; null when it has none, undefined when it names no known agent. */
  private assigneeOf(task: TaskRecord): AgentRecord | undefined | null {
    if (task.spec.assignee === undefined) return null;
    const index = this.agentIds.get(task.spec.assignee);
    return index === undefined ? undefined : this.fleet.agents[index];
  }

  /** Starts queued tasks from an agent's own queue while it has free slots (early binding). */
  private refill(agent: AgentRecord, now: number): void {
    if (this.config.binding !== 'early') return;
    const own = this.agentQueues[agent.index]!;
    while (hasFreeSlot(agent) && own.size > 0) {
      const task = own.shift()!;
      agent.queued--;
      agent.outstandingTokens -= task.spec.tokens;
      this.dequeued(task);
      const respected = this.queuedMoreUrgentThan(task.priority) === 0;
      this.assign(task, agent, now, respected);
    }
    if (own.size === 0) this.steal(agent, now);
  }

  /** Lets every hungry agent try to steal again (a task is waiting in some agent's queue). */
  private feedHungry(now: number): void {
    for (const agent of [...this.hungry]) this.steal(agent, now);
  }

  /**
   * Work stealing: an agent with a free slot and an empty queue takes what the strategy picks.
   * One that finds nothing is remembered as hungry and tries again when a task is left waiting
   * in some agent's queue.
   */
  private steal(thief: AgentRecord, now: number): void {
    if (this.strategy.steal === undefined) return;
    this.hungry.delete(thief);
    while (hasFreeSlot(thief)) {
      const view = this.strategy.steal(thief, this.ctx);
      if (view === undefined) {
        this.hungry.add(thief);
        return;
      }
      const task = view as TaskRecord;
      if (task.owner !== this || task.state !== 'queued' || task.agentIndex < 0 || task.agentIndex === thief.index ||
          task.spec.assignee !== undefined) {
        throw new Error(`strategy ${this.strategy.name} tried to steal task ${task.spec.id}, which is not queued in another agent's queue or is assigned by name`);
      }
      if (!hasTags(thief, task.spec.tags)) {
        // Tags bind whatever the strategy: a thief lacking one the task asks for takes nothing.
        this.hungry.add(thief);
        return;
      }
      const victim = this.fleet.agents[task.agentIndex]!;
      this.agentQueues[victim.index]!.remove(task);
      victim.queued--;
      victim.outstandingTokens -= task.spec.tokens;
      this.loadChanged(victim);
      this.dequeued(task);
      this.strategy.onAssign?.(task, thief, this.ctx);
      const respected = this.queuedMoreUrgentThan(task.priority) === 0;
      this.assign(task, thief, now, respected);
    }
  }

  /** Ends an input: binds what can be bound, then offers idle agents to a pre-warming strategy. */
  private dispatch(now: number): void {
    if (this.resumable.length > 0) this.resumePaused(now);
    if (this.poolDirty) this.bindPool(now);
    if (this.drainCandidates.length > 0) this.retireDrained(now);
    if (this.fallenIdle.length > 0) this.prewarmIdle(now);
  }

  /** Asks the strategy what to load on each agent that fell idle during this input. */
  private prewarmIdle(now: number): void {
    const prewarm = this.strategy.prewarm;
    for (const agent of this.fallenIdle) {
      if (prewarm === undefined || !agent.accepting || agent.active > 0 || agent.queued > 0) continue;
      const context = prewarm.call(this.strategy, agent, this.ctx);
      if (context === undefined) continue;
      const { contextKey, contextTokens } = context;
      if (!(contextTokens >= 0)) throw new Error(`strategy ${this.strategy.name} asked to prewarm ${contextKey} with ${contextTokens} tokens`);
      this.command({ kind: 'prewarm', agent, contextKey, contextTokens });
      this.sink.prewarm(now, agent, contextKey, contextTokens);
    }
    this.fallenIdle.length = 0;
  }

  /** Late binding: binds pool tasks to agents with free slots, as the strategy picks. */
  private bindPool(now: number): void {
    if (!this.poolDirty) return;
    this.poolDirty = false;
    if (this.config.binding === 'early') return this.routePooled();
    const place = this.place;
    const mode = this.config.delegation.mode;
    const preempting = this.config.preemption !== 'none';
    let justPreempted = false;
    while (this.pool.size > 0) {
      if (this.fleet.freeSlots === 0) {
        // Every slot is taken: only preemption for a critical head can make room.
        if (!preempting || justPreempted || !this.preemptFor(this.pool.peek()!, now)) break;
        justPreempted = true;
        continue;
      }
      // Fast path: the head of the pool can usually be placed; scan only when it cannot.
      const head = this.pool.peek()!;
      let task: TaskRecord | undefined = head;
      if (!place(head)) task = this.pool.find(this.config.queue.dispatchScanLimit, (t) => t !== head && place(t));
      if (task === undefined) {
        if (!preempting || justPreempted || !this.preemptFor(head, now)) break;
        justPreempted = true;
        continue;
      }
      justPreempted = false;
      const picked = this.picked!;
      const agent = this.fleet.agents[picked.index]!;
      if (agent !== picked || !hasFreeSlot(agent)) {
        throw new Error(`strategy ${this.strategy.name} picked agent ${picked.spec.id}, which has no free slot`);
      }
      this.pool.remove(task);
      this.dequeued(task);
      // Tasks passed over in the scan could not be placed on any free agent, so none of them
      // was eligible for this one: the pool's order respects priority.
      this.strategy.onAssign?.(task, agent, this.ctx);
      if (mode === 'assign') this.assign(task, agent, now, true);
      else this.offer(task, mode === 'broadcast' ? this.broadcastAgents(task, agent) : [agent], now);
    }
  }

  /** Broadcast: every agent with a free slot that nothing bars from `task`, `picked` among them, by index. */
  private broadcastAgents(task: TaskRecord, picked: AgentRecord): AgentRecord[] {
    if (task.spec.assignee !== undefined) return [picked];
    const agents: AgentRecord[] = [];
    for (const agent of this.fleet.agents) {
      if (agent === picked || (hasFreeSlot(agent) && this.verdict(task, agent) === ALLOWED)) agents.push(agent);
    }
    return agents;
  }

  /** The agent `place` last picked. */
  private picked: AgentView | undefined;
  /** Scan predicate of `dispatch`, allocated once: can `task` be placed now? */
  private readonly place = (task: TaskRecord): boolean => {
    this.picked = this.pickFor(task);
    return this.picked !== undefined;
  };

  private pickFor(task: TaskRecord): AgentView | undefined {
    const assignee = this.assigneeOf(task);
    if (assignee !== null) return assignee !== undefined && hasFreeSlot(assignee) && this.verdict(task, assignee) !== BARRED ? assignee : undefined;
    if (this.config.delegation.claim === 'first-fit') {
      const claimant = this.fallbackAgent(task, true);
      return claimant === undefined || !this.constrained(task) || this.acceptable(task, claimant) ? claimant : undefined;
    }
    const picked = this.strategy.pickAgent(task, this.ctx);
    if (picked === undefined || !this.constrained(task)) return picked;
    const agent = this.fleet.agents[picked.index];
    return agent === picked ? this.honourConstraints(task, agent) : picked; // a foreign view fails the check in bindPool
  }

  /** Early binding: tasks that waited in the pool for lack of agents are routed again. */
  private routePooled(): void {
    const waiting: TaskRecord[] = [];
    for (let task = this.pool.shift(); task !== undefined; task = this.pool.shift()) waiting.push(task);
    for (const task of waiting) {
      // Still queued: only its place changes, so its TTL keeps running.
      this.uncount(task);
      this.route(task);
    }
  }

  /** A task left the queues for good (assigned, expired, cancelled, shed). */
  private dequeued(task: TaskRecord): void {
    this.uncount(task);
    this.clearTimer(task);
  }

  /** Adds a task to the queue counts (every queue: pool, held, agents' own). */
  private count(task: TaskRecord): void {
    this.fleet.queuedTasks++;
    this.queuedByPriority[task.priority]++;
  }

  /** Takes a task out of the queue counts (it may be routed again at once). */
  private uncount(task: TaskRecord): void {
    this.fleet.queuedTasks--;
    this.queuedByPriority[task.priority]--;
  }

  /** Takes a queued task out of whichever queue holds it. */
  private unqueue(task: TaskRecord): void {
    if (task.queueEntry === 0) return;
    this.takeFromQueue(task);
    this.dequeued(task);
  }

  /** The queue holding a queued task: the held queue (paused type), its agent's own, or the pool. */
  private queueOf(task: TaskRecord): TaskQueue {
    if (this.pausedTypes.size > 0 && this.pausedTypes.has(task.spec.type)) return this.held;
    if (task.agentIndex >= 0 && this.config.binding === 'early') return this.agentQueues[task.agentIndex]!;
    return this.pool;
  }

  /** Removes a queued task from its queue (counts untouched; an agent's queue load is released). */
  private takeFromQueue(task: TaskRecord): void {
    const queue = this.queueOf(task);
    queue.remove(task);
    if (queue === this.pool || queue === this.held) return;
    const agent = this.fleet.agents[task.agentIndex]!;
    agent.queued--;
    agent.outstandingTokens -= task.spec.tokens;
    task.agentIndex = -1;
    this.loadChanged(agent);
  }

  private queuedMoreUrgentThan(priority: number): number {
    let count = 0;
    for (let p = 0; p < priority; p++) count += this.queuedByPriority[p]!;
    return count;
  }

  private assign(task: TaskRecord, agent: AgentRecord, now: number, priorityRespected: boolean): void {
    task.agentIndex = agent.index;
    task.attempt++;
    this.takeSlot(task, agent);
    const from = this.enter(task, 'assigned');
    this.sink.assigned(now, task, from, agent, priorityRespected);
    this.commandStart(task, agent);
  }

  /** `task` holds one of `agent`'s slots from now (assigned, offered or resumed): the inverse of {@link Engine.releaseSlot}. */
  private takeSlot(task: TaskRecord, agent: AgentRecord): void {
    agent.active++;
    agent.outstandingTokens += task.spec.tokens;
    if (agent.accepting) this.fleet.freeSlots--;
    this.loadChanged(agent);
  }

  private releaseSlot(task: TaskRecord, agent: AgentRecord): void {
    agent.active--;
    agent.outstandingTokens -= task.spec.tokens;
    if (agent.accepting) {
      this.fleet.freeSlots++;
      this.poolDirty = true;
      if (agent.active === 0 && this.strategy.prewarm !== undefined) this.fallenIdle.push(agent);
    } else if (agent.draining && agent.active === 0) {
      this.drainCandidates.push(agent);
    }
    this.loadChanged(agent);
  }

  private loadChanged(agent: AgentRecord): void {
    this.strategy.onAgentLoadChanged?.(agent, this.ctx);
  }

  /** Ends an attempt the driver is still running: abort it, free its slot, tell the strategy. */
  private endAttempt(task: TaskRecord, agent: AgentRecord, reason: FailureReason): void {
    this.command({ kind: 'abort', taskId: task.spec.id, agentId: agent.spec.id, attempt: task.attempt, reason });
    this.clearTimer(task);
    if (task.state === 'paused') {
      // A paused task holds no slot, only the agent's attention while it drains.
      task.resumeReady = false;
      agent.paused--;
      if (agent.draining) this.drainCandidates.push(agent);
    } else {
      this.releaseSlot(task, agent);
    }
    this.strategy.onSettle?.(task, agent, { ok: false, reason }, this.ctx);
  }

  private failAttempt(task: TaskRecord, agent: AgentRecord, reason: FailureReason, now: number): void {
    task.failureReason = reason;
    if (reason === 'agent-error' || reason === 'timeout' || reason === 'quality') this.failureMemory.recordFailure(agent.index, task.spec.type, now);
    this.move(task, 'failed', now, agent, reason);
    if (task.attempt > task.maxRetries) {
      this.finish(task, 'dead-lettered', now, reason);
      return;
    }
    this.move(task, 'retrying', now);
    const { baseSeconds, factor, jitter, maxSeconds } = this.config.retry.backoff;
    const base = Math.min(maxSeconds, baseSeconds * factor ** (task.attempt - 1));
    const delay = base * (1 + jitter * (2 * this.engineRandom() - 1));
    task.timerId = this.setTimer('retry', task, now + Math.max(0, delay));
  }

  private cancelTask(task: TaskRecord, now: number, reason: FailureReason): void {
    switch (task.state) {
      case 'queued':
        this.unqueue(task);
        break;
      case 'assigned':
      case 'running':
      case 'paused': {
        const agent = this.fleet.agents[task.agentIndex]!;
        this.endAttempt(task, agent, reason);
        task.failureReason = reason;
        // The slot holder is named, so folds over events can release the right slot.
        this.move(task, 'cancelled', now, agent, reason);
        this.settle(task, 'cancelled', now);
        this.refill(agent, now);
        return;
      }
      case 'retrying':
        this.clearTimer(task);
        break;
      case 'offered':
        this.withdrawAll(task);
        break;
      default:
        break;
    }
    this.finish(task, 'cancelled', now, reason);
  }

  /** Moves a task to a final state and settles it. */
  private finish(task: TaskRecord, state: Exclude<FinalTaskState, 'completed'>, now: number, reason: FailureReason): void {
    task.failureReason = reason;
    this.move(task, state, now, undefined, reason);
    this.settle(task, state, now);
  }

  /** A task reached a final state: count it, forget it, release or cancel its dependents. */
  private settle(task: TaskRecord, state: FinalTaskState, now: number): void {
    this.live.remove(task);
    this.settled.add(task.spec.id, state);
    this.countFinal(state);
    const dependents = task.dependents;
    task.dependents = undefined;
    if (dependents === undefined) return;
    for (const dependent of dependents) {
      if (isFinal(dependent.state)) continue;
      if (state !== 'completed') {
        const policy = this.edgePolicy(dependent, task.spec.id);
        if (policy === 'cancel') {
          this.cancelTask(dependent, now, 'dependency-failed');
          continue;
        }
        if (policy === 'cascade-fail') {
          // Dependents of a live dependency are still blocked (or being submitted).
          this.finish(dependent, 'dead-lettered', now, 'dependency-failed');
          continue;
        }
      }
      dependent.unmetDependencies--;
      if (dependent.unmetDependencies === 0 && dependent.state === 'blocked') this.enqueue(dependent, now);
    }
  }

  private countFinal(state: FinalTaskState): void {
    switch (state) {
      case 'completed': this.tally.completed++; break;
      case 'dead-lettered': this.tally.deadLettered++; break;
      case 'expired': this.tally.expired++; break;
      case 'cancelled': this.tally.cancelled++; break;
      case 'rejected': this.tally.rejected++; break;
      default: {
        const unreachable: never = state;
        throw new Error(`unknown final state ${String(unreachable)}`);
      }
    }
  }

  private observe(agent: AgentRecord, report: AgentReport, now: number): void {
    agent.contextUtilization = report.contextUtilization;
    agent.residentKeys = report.residentKeys;
    agent.observedAt = now;
  }

  private setTimer(kind: TimerKind, task: TaskRecord, at: number): number {
    if (task.timerId !== 0) throw new Error(`task ${task.spec.id} already has timer ${task.timerId} pending; cannot set a ${kind} timer`);
    const timerId = this.nextTimerId++;
    this.timers.set(timerId, { kind, task });
    this.command({ kind: 'setTimer', timerId, at });
    return timerId;
  }

  private clearTimer(task: TaskRecord): void {
    const timerId = task.timerId;
    if (timerId === 0) return;
    task.timerId = 0;
    this.timers.delete(timerId);
    this.command({ kind: 'cancelTimer', timerId });
  }

  /** A plain transition, reported as such. */
  private move(task: TaskRecord, to: TaskState, now: number, agent?: AgentRecord, reason?: FailureReason): void {
    const from = this.enter(task, to);
    this.sink.transition(now, task, from, to, agent, reason);
  }

  /** Checks and makes a transition; returns the state left. The caller reports it. */
  private enter(task: TaskRecord, to: TaskState): TaskState {
    const from = task.state;
    assertTransition(task.spec.id, from, to);
    task.state = to;
    return from;
  }
}

/** The less urgent of two queued tasks (higher priority number, then submitted later). */
function lessUrgent(a: TaskRecord | undefined, b: TaskRecord | undefined): TaskRecord | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return b.priority > a.priority || (b.priority === a.priority && b.seq > a.seq) ? b : a;
}

function idOf(task: TaskId | TaskView): TaskId {
  return typeof task === 'string' ? task : task.spec.id;
}

/** Throws when a submission breaks the task model (a driver bug, not a user error). */
function assertTaskSpec(spec: TaskSpec): void {
  // Checks first, message only on failure: this runs once per submission on the hot path.
  if (!Number.isInteger(spec.priority) || spec.priority < 0 || spec.priority >= PRIORITY_LEVELS) {
    invalidSpec(spec, `priority must be an integer 0..${PRIORITY_LEVELS - 1}, got ${spec.priority}`);
  }
  if (!(spec.tokens >= 0) || !Number.isFinite(spec.tokens)) invalidSpec(spec, 'tokens must be finite and >= 0');
  if (!(spec.contextTokens >= 0)) invalidSpec(spec, 'contextTokens must be >= 0');
  if (spec.timeoutSeconds !== undefined && !(spec.timeoutSeconds > 0)) invalidSpec(spec, 'timeoutSeconds must be > 0');
  if (spec.ttlSeconds !== undefined && !(spec.ttlSeconds > 0)) invalidSpec(spec, 'ttlSeconds must be > 0');
}

function invalidSpec(spec: TaskSpec, problem: string): never {
  throw new Error(`task ${spec.id}: ${problem}`);
}

/** Creates an engine. */
export function createEngine(options: EngineOptions): Engine {
  return new Engine(options);
}
