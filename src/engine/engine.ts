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
import type { AgentSpec, AgentView } from './agent.js';
import type { EngineConfig } from './config.js';
import { EngineState } from './engineState.js';
import type { EventSink } from './eventSink.js';
import { advanceGeneration } from './generation.js';
import {
  admin, agentJoined, agentLeft, cancel, finished, offerAnswered, pollCommand, pollEvent, started, submit,
} from './inputs.js';
import type { AdminOperation, Command, EngineEvent, EngineInput, OfferAnswer, Outcome, StartReport } from './messages.js';
import { captureSnapshot, openAttemptsOf, openOffersOf, pendingProvisionsOf, pendingTimersOf, takeSnapshot, type SnapshotCapture } from './snapshot.js';
import type { EngineSnapshot, OpenAttempt, OpenOffer, PendingProvision, PendingTimer } from './snapshotFormat.js';
import { restoreState } from './snapshotRestore.js';
import type { Strategy } from './strategy.js';
import type { AgentId, TaskId, TaskSpec, TaskView } from './task.js';
import { timerFired } from './timers.js';

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
  /** Told when the engine starts and ends routing one task (for a wall-clock timer outside the engine). */
  readonly routeProbe?: RouteProbe;
}

/**
 * Brackets the engine's work to route one task: under late binding each `pickFor` (assignee,
 * first-fit claim or the strategy's pick, then the constraint checks and their fallback); under
 * early binding the whole `route` (the pick, constraints, the queue, refilling its agent and
 * waking thieves). The engine only calls it; it reads no clock.
 */
export interface RouteProbe {
  /**
   * The engine starts routing a task. True when the probe wants this decision bracketed: the
   * engine calls {@link RouteProbe.end} after it only then, so a decision the probe does not time
   * costs the engine one call, not two.
   */
  begin(): boolean;
  /** The engine is done routing the task whose `begin` returned true. */
  end(): void;
}

/** Tasks by final state, and those still in flight. */
export interface TaskCounts {
  /** Tasks submitted. */
  submitted: number;
  /** Tasks completed. */
  completed: number;
  /** Tasks dead-lettered (out of retries or offers). */
  deadLettered: number;
  /** Tasks expired (they waited queued and unassigned past their TTL). */
  expired: number;
  /** Tasks cancelled. */
  cancelled: number;
  /** Tasks rejected: turned away at submission (queue full, rate limit, dependency cycle) or shed from a full queue. */
  rejected: number;
  /** Tasks not yet in a final state. */
  inFlight: number;
}

/**
 * The engine. Construct with {@link createEngine}. A facade: its state lives in one
 * `EngineState` and each input is a plain function of the module that owns it (see
 * docs/ARCHITECTURE.md, "The engine's modules").
 */
export class Engine {
  private readonly state: EngineState;

  /** Use {@link createEngine}, or `restoreEngine` (snapshot.ts) to start from a snapshot. */
  constructor(options: EngineOptions, snapshot?: EngineSnapshot) {
    this.state = new EngineState(options);
    if (snapshot !== undefined) restoreState(this.state, snapshot);
  }

  // ---------------------------------------------------------------- getters

  /** A live (non-final) task, or undefined. */
  task(id: TaskId): TaskView | undefined {
    return this.state.live.get(id);
  }

  /**
   * Whether `id` is taken: a live task's, or a settled one's the engine still remembers
   * (`settledMemory`). A submission under it would be refused as a duplicate.
   */
  knows(id: TaskId): boolean {
    return this.state.live.get(id) !== undefined || this.state.settled.has(id);
  }

  /** Every agent that ever joined, by index. */
  get agents(): readonly AgentView[] {
    return this.state.fleet.agents;
  }

  /** Conservation ledger: submitted = completed + deadLettered + expired + cancelled + rejected + inFlight. */
  counts(): Readonly<TaskCounts> {
    return { ...this.state.tally, inFlight: this.state.live.size };
  }

  /** Live tasks, in no particular order (for invariant checks and drivers that restart). */
  liveTasks(): IterableIterator<TaskView> {
    return this.state.live.values();
  }

  /**
   * The engine's state as plain JSON data, for `restoreEngine` (snapshot.ts). Take it between
   * inputs; commands and events not yet polled are not part of it (what they asked for is).
   */
  snapshot(): EngineSnapshot {
    return takeSnapshot(this.state);
  }

  /**
   * A compaction's snapshot, captured without a step per settled task or an object per live
   * task (`captureSnapshot` in snapshot.ts): {@link Engine.snapshot}'s content, its live tasks
   * and settled entries left to be made into snapshot data later. Shares no mutable state with
   * the engine, so it may be serialised a part at a time while the engine goes on.
   */
  compactionSnapshot(): SnapshotCapture {
    return captureSnapshot(this.state);
  }

  /**
   * Moves this engine, between inputs, to the next generation: from now on it behaves exactly
   * as `restoreEngine(options, this.snapshot())` would (same events, commands and snapshots for
   * any inputs), keeping its records, so that a compaction neither serialises nor rebuilds the
   * live tasks, and a driver's references to them stay valid. `options.config` must hold this
   * engine's settings (it throws otherwise); its strategy must be a fresh instance (it hears of the fleet as
   * after a restore), its generators those of the new generation. See generation.ts.
   */
  advanceGeneration(options: EngineOptions): void {
    advanceGeneration(this.state, options);
  }

  /**
   * Every pending timer with its due time, earliest first. A driver that starts from a restored
   * engine arms these (their `setTimer` commands went to the driver before the snapshot).
   */
  pendingTimers(): PendingTimer[] {
    return pendingTimersOf(this.state);
  }

  /**
   * Attempts the engine waits on, in submission order: told to start and not yet reported
   * started (task state `assigned`), running, or paused on their agent. A driver that starts
   * from a restored engine delivers these again; a report quoting another attempt is stale.
   */
  openAttempts(): OpenAttempt[] {
    return openAttemptsOf(this.state);
  }

  /** Offers the engine waits on an answer for, in submission order (each agent of a broadcast apart). */
  openOffers(): OpenOffer[] {
    return openOffersOf(this.state);
  }

  /**
   * Agents autoscaled pools asked for (`provision` commands) that have not joined yet; a driver
   * resuming a restored engine provisions them again (any agent of the pool that joins answers one).
   */
  pendingProvisions(): PendingProvision[] {
    return pendingProvisionsOf(this.state);
  }

  // ---------------------------------------------------------------- outputs

  /**
   * Next command for the driver, or undefined when there is none. Carry it out (or copy it)
   * before the next input: `start` command objects are reused, one per output slot, because
   * the simulator issues one per attempt.
   */
  pollCommand(): Command | undefined {
    return pollCommand(this.state);
  }

  /** Next audit-log event, or undefined when there is none. */
  pollEvent(): EngineEvent | undefined {
    return pollEvent(this.state);
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
    submit(this.state, now, spec);
  }

  /**
   * The driver began attempt `attempt` of a task it was told to start. `task` is its id, or the
   * view the start command carried (which spares a lookup by id).
   */
  started(now: number, task: TaskId | TaskView, attempt: number, report: StartReport): void {
    started(this.state, now, task, attempt, report);
  }

  /** Attempt `attempt` of a task ended with `outcome`; `task` as for {@link Engine.started}. */
  finished(now: number, task: TaskId | TaskView, attempt: number, outcome: Outcome): void {
    finished(this.state, now, task, attempt, outcome);
  }

  /** A timer the engine set has fired. Timers it cancelled are ignored. */
  timerFired(now: number, timerId: number): void {
    timerFired(this.state, now, timerId);
  }

  /** An agent joins the fleet and may take work at once. */
  agentJoined(now: number, spec: AgentSpec): void {
    agentJoined(this.state, now, spec);
  }

  /** An agent leaves: its attempts fail with `agent-lost`, its own queue goes back to routing. */
  agentLeft(now: number, agentId: AgentId): void {
    agentLeft(this.state, now, agentId);
  }

  /** Cancels a task in any non-final state; unknown or already settled ids are ignored. */
  cancel(now: number, taskId: TaskId): void {
    cancel(this.state, now, taskId);
  }

  /**
   * `agentId` answered offer number `offer` of a task (`task` as for {@link Engine.started}).
   * An answer to an offer that is no longer open is recorded, never applied: under broadcast, an
   * acceptance that lost to an earlier one is a duplicate claim whose `setupTokens` (context the
   * agent loaded to claim it) were spent for nothing.
   */
  offerAnswered(now: number, task: TaskId | TaskView, agentId: AgentId, offer: number, answer: OfferAnswer, setupTokens = 0): void {
    offerAnswered(this.state, now, task, agentId, offer, answer, setupTokens);
  }

  /** Applies an operator's action (see {@link AdminOperation}). Unknown ids throw; settled tasks are ignored. */
  admin(now: number, operation: AdminOperation): void {
    admin(this.state, now, operation);
  }
}

/** Creates an engine. */
export function createEngine(options: EngineOptions): Engine {
  return new Engine(options);
}
