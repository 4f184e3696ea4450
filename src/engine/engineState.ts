/**
 * The engine's state: every table, queue, counter and output buffer one `Engine` keeps,
 * gathered in one object that the engine's modules (inputs, ledger, dispatch, delegation,
 * dependencies, timers, operations) read and change through plain functions taking it as
 * their first argument. Owns construction and the checks of the settings; holds no behaviour
 * besides the scan predicate of late binding, allocated once here.
 *
 * Internal to `src/engine`: drivers and strategies see the engine only through `Engine`.
 */
import type { AgentRecord, AgentView } from './agent.js';
import { PoolAutoscaler } from './autoscaler.js';
import type { EngineConfig } from './config.js';
import { pickFor } from './dispatch.js';
import type { EngineOptions, RouteProbe, TaskCounts } from './engine.js';
import { EventObjects, type EventSink } from './eventSink.js';
import { FailureMemory } from './failureMemory.js';
import type { Command, EngineEvent } from './messages.js';
import { SettledMemory } from './settledMemory.js';
import { StealIndex } from './stealIndex.js';
import { TagIndex } from './tagIndex.js';
import type { DecisionContext, FleetView, Strategy } from './strategy.js';
import { PRIORITY_LEVELS, type AgentId, type TaskId, type TaskRecord, type TaskView } from './task.js';
import { TaskIndex } from './taskIndex.js';
import { NO_QUEUE, TaskQueue, type EntryCounter, type QueueOrder } from './taskQueue.js';
import { TenantCounters } from './tenantCounters.js';
import type { Timer } from './timers.js';
import { TokenBucket } from './tokenBucket.js';

/** The fleet as strategies read it, kept up to date by the engine. */
export interface MutableFleet extends FleetView {
  /** Every agent that ever joined, by index. */
  agents: AgentRecord[];
  /** Free slots among accepting agents. */
  freeSlots: number;
  /** Tasks waiting in the pool and agents' own queues. */
  queuedTasks: number;
  /** The least urgent task in the agent's own queue, if any. */
  lastQueued(agent: AgentView): TaskView | undefined;
}

/** A `start` command whose object is reused for every attempt written to its output slot. */
export interface MutableStart {
  /** Always `start`. */
  readonly kind: 'start';
  /** The task to start. */
  task: TaskView;
  /** The agent to run it. */
  agent: AgentView;
  /** Its attempt number. */
  attempt: number;
}

/** The context handed to strategies; `now` moves with every input. */
export interface MutableContext extends DecisionContext {
  /** Time of the input being handled (seconds). */
  now: number;
  /** Replaced when the engine moves to a new generation (see `advanceGeneration` in generation.ts). */
  random: () => number;
}

/** One engine's state (see the module comment). */
export class EngineState {
  /** The engine's settings. */
  readonly config: EngineConfig;
  // The strategy, generators, sink, probe and steal index change with the generation
  // (`advanceGeneration` in generation.ts); nothing else replaces them.
  /** The routing strategy of the current generation. */
  strategy: Strategy;
  /** The engine's own seeded generator (retry backoff jitter), of the current generation. */
  engineRandom: () => number;
  /** Live tasks by id. */
  readonly live = new TaskIndex();
  /** Ids of settled tasks, remembered to answer late inputs and dependencies. */
  readonly settled: SettledMemory;
  /** Tasks named as a dependency before they were submitted, by the id they wait for. */
  readonly waitingFor = new Map<TaskId, TaskRecord[]>();
  /** Agent indices by id. */
  readonly agentIds = new Map<AgentId, number>();
  /** The fleet as strategies read it. */
  readonly fleet: MutableFleet = {
    agents: [], freeSlots: 0, queuedTasks: 0,
    lastQueued: (agent) => this.agentQueues[agent.index]?.peekLeastUrgent(),
  };
  /** The context handed to strategies. */
  readonly ctx: MutableContext;
  /** Entry numbers shared by every queue of this engine. */
  readonly entries: EntryCounter = { next: 0 };
  /** Order within a priority level of every queue. */
  readonly queueOrder: QueueOrder;
  /** Virtual token counters per tenant, charged on dispatch under the `fair` order. */
  readonly tenantCounters: TenantCounters;
  /** Agents that found nothing to steal while they had a free slot (work-stealing strategies only). */
  readonly hungry = new Set<AgentRecord>();
  /** The hungry agents and the stealable work by kind, for strategies with steal rules (early binding). */
  stealIndex: StealIndex | undefined;
  /** The agents carrying each tag set tasks ask for (the constraint fallback's candidates). */
  readonly tagIndex = new TagIndex();
  /** Agents whose last slot freed during the current input (pre-warming strategies only). */
  readonly fallenIdle: AgentRecord[] = [];
  /** Tasks waiting for any agent (late binding). */
  readonly pool: TaskQueue;
  /** Each agent's own queue, by index; agents never routed a task share {@link NO_QUEUE}. */
  readonly agentQueues: TaskQueue[] = [];
  /** Queued tasks per priority over every queue, for priority-respect accounting. */
  readonly queuedByPriority = new Int32Array(PRIORITY_LEVELS);
  /** Pending timers by id. */
  readonly timers = new Map<number, Timer>();
  // Output queues: slots are reused between drains (truncating an array frees its storage).
  /** Commands for the driver, not yet drained. */
  readonly commands: (Command | undefined)[] = [];
  /** Events for the sink, not yet drained. */
  readonly events: (EngineEvent | undefined)[] = [];
  /** Where events go. */
  sink: EventSink;
  /** Observer of routing decisions (decision timing), if any. */
  routeProbe: RouteProbe | undefined;
  /** Slots of `commands` written during the current input. */
  commandsWritten = 0;
  /** Reusable `start` commands, by output slot. */
  readonly startCommands: MutableStart[] = [];
  /** Slots of `events` written during the current input. */
  eventsWritten = 0;
  /** Tasks by final state, and those in flight. */
  readonly tally: TaskCounts = { submitted: 0, completed: 0, deadLettered: 0, expired: 0, cancelled: 0, rejected: 0, inFlight: 0 };
  /** Slots of `commands` already drained. */
  commandsRead = 0;
  /** Slots of `events` already drained. */
  eventsRead = 0;
  /** The id the next timer gets. */
  nextTimerId = 1;
  /** Time of the last input (inputs must not go back in time). */
  lastNow = Number.NEGATIVE_INFINITY;
  /** The pool changed since it was last bound. */
  poolDirty = false;
  /** Task types an operator paused: their queued tasks wait in `held`, routed nowhere. */
  readonly pausedTypes = new Set<string>();
  /** Queued tasks of paused types. */
  readonly held: TaskQueue;
  /** Paused tasks free to resume once their agent has a slot, in the order they became free. */
  readonly resumable: TaskRecord[] = [];
  /** Draining agents that may have run out of work during the current input. */
  readonly drainCandidates: AgentRecord[] = [];
  /** Agents that recently failed a task type, avoided by its retries. */
  readonly failureMemory: FailureMemory;
  /** Rate limit on submissions. */
  readonly ingress: TokenBucket;
  /** One autoscaler per autoscaled pool. */
  readonly scalers: PoolAutoscaler[];
  /** Agents asked for per autoscaled pool that have not joined yet. */
  readonly provisioning = new Map<string, number>();
  /** Whether each scaler's evaluation timer is pending; `sleepingScalers` counts those that are not. */
  readonly scalerAwake: boolean[];
  /** Scalers whose evaluation timer is not pending. */
  sleepingScalers: number;
  /** The agent `place` last picked. */
  picked: AgentView | undefined;
  /** Scan predicate of late binding, allocated once: can `task` be placed now? */
  readonly place = (task: TaskRecord): boolean => {
    this.picked = pickFor(this, task);
    return this.picked !== undefined;
  };

  /** Where the events of an engine built with `options` go: its sink, or the queue `pollEvent` drains. */
  sinkOf(options: EngineOptions): EventSink {
    return options.events ?? new EventObjects((event) => (this.events[this.eventsWritten++] = event));
  }

  /** An empty steal index for the strategy of `options`, when it steals under early binding. */
  newStealIndex(options: EngineOptions): StealIndex | undefined {
    const rules = options.strategy.stealRules;
    return rules !== undefined && options.strategy.steal !== undefined && this.config.binding === 'early'
      ? new StealIndex(rules, this.fleet.agents) : undefined;
  }

  /** Agent `index`'s own queue, made when a task is first routed to it. */
  ownQueue(index: number): TaskQueue {
    let queue = this.agentQueues[index]!;
    if (queue === NO_QUEUE) this.agentQueues[index] = queue = new TaskQueue(this.entries, this.queueOrder, this.tenantCounters);
    return queue;
  }

  /** Checks the settings and sets up an engine with no agents and no tasks. */
  constructor(options: EngineOptions) {
    this.config = options.config;
    this.strategy = options.strategy;
    this.engineRandom = options.engineRandom;
    this.settled = new SettledMemory(options.config.settledMemory);
    this.routeProbe = options.routeProbe;
    this.sink = this.sinkOf(options);
    // The scenario's order, when it sets one, holds for every strategy.
    this.queueOrder = options.config.queue.order ?? options.strategy.queueOrder ?? 'fifo';
    this.tenantCounters = new TenantCounters(options.config.queue.tenantWeights);
    this.pool = new TaskQueue(this.entries, this.queueOrder, this.tenantCounters);
    this.held = new TaskQueue(this.entries, this.queueOrder, this.tenantCounters);
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
    this.stealIndex = this.newStealIndex(options);
  }
}
