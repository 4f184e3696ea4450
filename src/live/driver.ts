/**
 * The live driver: runs the pure engine on a {@link Clock} against real agents reached through an
 * {@link AgentConnector}, in the manner of quinn's endpoint driver.
 *
 * - After every input it drains the engine's commands (`pollCommand`) and carries them out.
 * - It keeps ONE runtime timer, armed for the earliest of the engine's pending timers (and its
 *   own per-attempt watchdogs); when it fires it feeds `timerFired` for every timer due, in
 *   (time, ticket) order. A wake-up with nothing due re-arms and does nothing.
 * - Every connector settlement becomes an engine input (`started`, `finished`, `offerAnswered`,
 *   `agentJoined`) with `now` read from the clock when it arrives.
 * - A connector that throws or rejects is an `agent-error`; one that hangs is an execution
 *   timeout (the task's own timeout timer, else the driver's `attemptTimeoutSeconds`); an offer
 *   left unanswered for `offerTimeoutSeconds` is a decline. None of them takes the driver down:
 *   errors go to `onError`.
 * - Everything it holds is bounded: tasks in flight (`maxInFlightTasks`, a submission beyond is
 *   refused with a {@link LiveDriverError}) and connector calls awaiting an answer
 *   (`maxPendingCalls`; calls the engine no longer waits for are forgotten first).
 * - With a journal, every input is recorded before the engine sees it. A driver created
 *   `recovering` replays a journal's inputs (nothing reaches the connector; it only tracks what
 *   the engine asks for), then `resume` re-delivers the attempts, offers and provisions the
 *   engine still waits for (durableDriver.ts runs it on a data directory).
 */
import { createEngine, Engine, type EngineOptions } from '../engine/engine.js';
import type { AgentSpec, AgentView } from '../engine/agent.js';
import { EventObjects, TeeSink } from '../engine/eventSink.js';
import type { AdminOperation, Command, EngineEvent, EngineInput, Outcome, StartReport } from '../engine/messages.js';
import type { AgentId, TaskId, TaskSpec, TaskView } from '../engine/task.js';
import type { Clock, TimerHandle } from './clock.js';
import type { AgentConnector, CommandOf, OfferResponse } from './connector.js';
import {
  DEFAULT_LIVE_LIMITS, LiveDriverError, type LiveCounts, type LiveDriverLimits, type LiveDriverOptions, type LiveDriverState, type StopOptions,
} from './driverOptions.js';
import { AttemptMap } from './attemptMap.js';
import type { Journal } from './journal.js';
import {
  AGENT_ERROR, DECLINED, isOfferResponse, isOutcome, isStartReport, offerKey, plainAnswer, plainOutcome, plainStartReport, TIMED_OUT, unobservedStart,
} from './settlements.js';
import { Attempt, newOffer, rebind, ReplayBook, startContext, type AttemptReports, type Offer } from './pendingCalls.js';
import { ProvisionBook, provisionId, type ProvisionBookState } from './provisionBook.js';
import { TimerQueue, type PendingTimer } from './timerQueue.js';

export {
  DEFAULT_LIVE_LIMITS, LiveDriverError,
  type LiveCounts, type LiveDriverErrorCode, type LiveDriverLimits, type LiveDriverOptions, type LiveDriverState, type StopOptions,
} from './driverOptions.js';

const KEPT_ERRORS = 100;

/**
 * How an input is fed: a method of the driver (or a function) and its two arguments, passed
 * apart so that the inputs of every task (submissions, reports, results) make no closure.
 */
type Feed<A, B> = (this: LiveDriver, a: A, b: B) => void;

/** One of the engine's timers in the driver's timer queue. */
interface EngineTimer extends PendingTimer {
  readonly timerId: number;
}

/** Feeds the inputs a function makes (for `batch` and the driver's own rarer inputs). */
function call(inputs: () => void): void {
  inputs();
}

/** What a settlement's input is, in the error when the engine refuses it. */
function describeInput(input: EngineInput): string {
  switch (input.kind) {
    case 'started': return `the start of ${input.taskId}`;
    case 'offerAnswered': return `the answer to offer ${input.offer} of ${input.taskId}`;
    case 'timer': return `timer ${input.timerId}`;
    default: return `input ${input.kind}`;
  }
}

function describeResult(attempt: Attempt): string {
  return `the result of ${attempt.task.spec.id}`;
}

/** Drives an engine on a clock against agents reached through a connector. Create with {@link createLiveDriver}. */
export class LiveDriver {
  private current: Engine;
  /** The last errors reported, when no `onError` was given (at most 100, oldest first). */
  readonly errors: LiveDriverError[] = [];
  private readonly clock: Clock;
  private readonly connector: AgentConnector;
  private readonly limits: LiveDriverLimits;
  private readonly onError: (error: LiveDriverError) => void;
  private readonly onQueuedEvent: ((event: EngineEvent) => void) | undefined;
  private readonly journal: Journal | undefined;
  /** The engine's timers, and the attempts and offers whose watchdog is set (each is its watchdog's timer). */
  private readonly timers = new TimerQueue<EngineTimer | Attempt | Offer>();
  /** The engine's timers in {@link timers}, by id, for the engine cancels them by id. */
  private readonly engineTimers = new Map<number, EngineTimer>();
  private readonly attempts = new AttemptMap<Attempt>();
  private readonly offers = new Map<string, Offer>();
  private pendingProvisions = 0;
  /** The provisions the engine waits for, numbered, live and in a replay alike. */
  private readonly provisionBook = new ProvisionBook();
  /** See {@link LiveDriverOptions.historyEpochMs}. */
  private readonly historyEpochMs: number;
  /** While recovering: what the engine asked for, to deliver on `resume`. */
  private replayBook: ReplayBook | undefined;
  /** The runtime timer: its handle and the (time, ticket) it was armed for. */
  private armedHandle: TimerHandle | undefined;
  private armedAt = 0;
  private armedTicket = 0;
  /** Inside an input: inputs fed meanwhile (a connector answering synchronously) join it. */
  private feeding = false;
  private phase: LiveDriverState;
  private drained: Promise<void> | undefined;
  private resolveDrained: (() => void) | undefined;
  /** What the attempts' contexts report to (one object for all, not closures per attempt). */
  private readonly attemptReports: AttemptReports = {
    attemptStarted: (attempt, report) => this.reportStarted(attempt, report),
    // Through `run`: a second report, or one after the driver forgot the attempt, is ignored.
    attemptFinished: (attempt, outcome) => {
      if (this.awaits(attempt)) this.attemptOutcome(attempt, outcome);
    },
  };

  /** @param options - see {@link LiveDriverOptions}. */
  constructor(options: LiveDriverOptions) {
    this.current = options.engine instanceof Engine ? options.engine : createEngineWithEvents(options.engine, options.onEvent);
    // An engine built without a sink queues its events: they are handed on (or dropped) after every input.
    this.onQueuedEvent = options.engine instanceof Engine ? options.onEvent : undefined;
    this.clock = options.clock;
    this.connector = options.connector;
    this.journal = options.journal;
    this.historyEpochMs = options.historyEpochMs ?? Date.now();
    this.phase = options.recovering === true ? 'recovering' : 'running';
    if (this.phase === 'recovering') this.replayBook = new ReplayBook(this.attempts, this.offers, this.attemptReports, this.provisionBook);
    this.limits = { ...DEFAULT_LIVE_LIMITS, ...options.limits };
    for (const [name, value] of Object.entries(this.limits)) {
      if (typeof value !== 'number' || !(value > 0)) throw new Error(`createLiveDriver: limits.${name} must be a positive number, got ${String(value)}`);
    }
    this.onError = options.onError ?? ((error) => {
      this.errors.push(error);
      if (this.errors.length > KEPT_ERRORS) this.errors.shift();
    });
  }

  /** The engine driven (read its views; feed it only through the driver). */
  get engine(): Engine {
    return this.current;
  }

  /**
   * Continues with `engine`, restored from a snapshot of the engine driven now, taken after the
   * last input (the same state, its strategy's learning started afresh): attempts and offers
   * the new engine waits on take its records; its pending timers are those the driver holds.
   * How `verifyDataDir` crosses a compaction in a log (a restore, as recovery does; a durable
   * driver uses {@link LiveDriver.advanceGeneration}, which is equivalent). Call it between inputs.
   */
  replaceEngine(engine: Engine): void {
    if (this.feeding) throw new Error('LiveDriver.replaceEngine: called inside an input');
    this.current = engine;
    rebind(this.attempts, this.offers, engine);
  }

  /**
   * Moves the engine to the next generation in place (`Engine.advanceGeneration`): it goes on
   * as one restored from its snapshot now would, keeping its records, so the attempts and offers
   * the driver holds stay bound to them. How a durable driver compacts its log. Call it between
   * inputs.
   */
  advanceGeneration(options: EngineOptions): void {
    if (this.feeding) throw new Error('LiveDriver.advanceGeneration: called inside an input');
    this.current.advanceGeneration(options);
  }

  /**
   * Learns what a recovering driver's engine, restored from a snapshot, waits for: its pending
   * timers, the attempts and offers it expects answers to, the agents it asked for that have not
   * joined, numbered as `provisions` (the snapshot's provision book; absent from a snapshot
   * written before it was kept: numbered afresh). The replay of the log after the snapshot
   * follows. Throws an Error naming `provisions` when the book does not match the engine.
   */
  restored(provisions?: ProvisionBookState): void {
    if (this.phase !== 'recovering' || this.replayBook === undefined) throw new Error(`LiveDriver.restored: the driver is ${this.phase}, not recovering`);
    for (const timer of this.engine.pendingTimers()) this.addEngineTimer(timer.timerId, timer.at);
    for (const open of this.engine.openAttempts()) {
      const attempt = new Attempt(this.attemptReports, open.task, open.agent, open.attempt);
      attempt.startFed = open.task.state !== 'assigned';
      this.attempts.set(open.task.spec.id, attempt);
    }
    for (const open of this.engine.openOffers()) {
      const offer = newOffer(open.task, open.agent, open.offer);
      this.offers.set(offer.key, offer);
    }
    this.provisionBook.restore(provisions, this.engine.pendingProvisions().map(({ pool, agents }) => [pool, agents] as const));
  }

  /** recovering, running, draining or stopped. */
  get state(): LiveDriverState {
    return this.phase;
  }

  /**
   * Submits a task now. Throws a {@link LiveDriverError} `stopped` once `stop` was called,
   * `overloaded` when `maxInFlightTasks` tasks are in flight, and `duplicate` for an id the engine
   * knows (live, or settled and remembered): none of them reaches the journal. The engine's own
   * refusals (backpressure, rate limits) are rejections in its ledger, not errors.
   */
  submit(spec: TaskSpec): void {
    if (this.phase !== 'running') throw new LiveDriverError(this.phase === 'recovering' ? 'recovering' : 'stopped', `the driver is ${this.phase}: task ${spec.id} was not submitted`);
    const inFlight = this.engine.counts().inFlight;
    if (inFlight >= this.limits.maxInFlightTasks) {
      throw new LiveDriverError('overloaded', `${inFlight} tasks in flight (limits.maxInFlightTasks): task ${spec.id} was not submitted`);
    }
    // Refused here rather than by the engine, so that a client retrying a conflicting id does not grow the log.
    if (this.engine.knows(spec.id)) throw new LiveDriverError('duplicate', `duplicate task id ${spec.id}: the engine knows it (live, or settled and remembered); not submitted`);
    this.input(this.feed, { kind: 'submit', now: this.clock.now(), task: spec }, undefined);
  }

  /**
   * Feeds every input made inside `inputs` (submissions, operations) before carrying out the
   * engine's commands once, as a simulator feeds the tasks of one instant.
   */
  batch(inputs: () => void): void {
    this.assertNotStopped('batch');
    this.input(call, inputs, undefined);
  }

  /** Cancels a task in any non-final state (unknown or settled ids are ignored). */
  cancel(taskId: TaskId): void {
    this.assertNotStopped('cancel');
    this.input(this.feed, { kind: 'cancel', now: this.clock.now(), taskId }, undefined);
  }

  /** Applies an operator's action (pause a type, drain an agent, reprioritise, pause a task, …). */
  admin(operation: AdminOperation): void {
    this.assertNotStopped('admin');
    this.input(this.feed, { kind: 'admin', now: this.clock.now(), operation }, undefined);
  }

  /** An agent joins the fleet now. */
  agentJoined(spec: AgentSpec): void {
    this.assertNotStopped('agentJoined');
    this.input(this.feed, { kind: 'agentJoined', now: this.clock.now(), agent: spec }, undefined);
  }

  /** An agent left the fleet now (its running attempts are aborted and retried elsewhere). */
  agentLeft(agentId: AgentId): void {
    this.assertNotStopped('agentLeft');
    this.input(this.feed, { kind: 'agentLeft', now: this.clock.now(), agentId }, undefined);
  }

  /** The provisions the engine waits for, numbered (a copy, for a snapshot taken between inputs). */
  provisions(): ProvisionBookState {
    return this.provisionBook.state();
  }

  /** The engine's ledger (submitted = finals + in flight) and what the driver is waiting for. */
  counts(): LiveCounts {
    return {
      ...this.engine.counts(),
      pendingAttempts: this.attempts.size,
      pendingOffers: this.offers.size,
      pendingProvisions: this.pendingProvisions,
      timers: this.timers.size,
    };
  }

  /**
   * Stops the driver (see {@link StopOptions}); resolves once it is stopped. After it, inputs
   * throw `stopped` and late settlements are ignored. A drain waits for tasks that can still
   * end; `stop({ drain: false })` during a drain ends it at once.
   */
  stop(options: StopOptions = {}): Promise<void> {
    if (this.phase === 'stopped') return Promise.resolve();
    if (this.phase === 'recovering') {
      // Nothing was delivered yet: there is nothing to cancel or wait for.
      this.halt();
      return Promise.resolve();
    }
    if (options.drain === false) {
      this.phase = 'draining';
      const ids = [...this.engine.liveTasks()].map((task) => task.spec.id);
      this.input(call, () => {
        const now = this.clock.now();
        for (const id of ids) this.feed({ kind: 'cancel', now, taskId: id });
      }, undefined);
      this.halt();
      return Promise.resolve();
    }
    if (this.drained === undefined) {
      this.phase = 'draining';
      this.drained = new Promise((resolve) => (this.resolveDrained = resolve));
      this.checkDrained();
    }
    return this.drained;
  }

  /**
   * Stops at once without telling the engine anything: the runtime timer is cleared, pending
   * connector calls are forgotten (their signals aborted) and later settlements ignored, while
   * the engine keeps its state. For a durable driver closing: the next process resumes the work
   * from the journal. Tasks keep their state; nothing is cancelled.
   */
  detach(): void {
    if (this.phase !== 'stopped') this.halt();
  }

  private assertNotStopped(what: string): void {
    if (this.phase === 'stopped') throw new LiveDriverError('stopped', `the driver is stopped: ${what} refused`);
    if (this.phase === 'recovering') throw new LiveDriverError('recovering', `the driver is recovering: ${what} refused`);
  }

  /**
   * Records an input in the journal (before anything acts on it), then feeds it to the engine.
   * A result or answer is fed with the view its command carried (`task`) when there is one: the
   * engine then recognises it even after the task settled (a late broadcast claim is a duplicate
   * claim, not a stale result), and a replay feeds it the same way (see {@link replay}).
   */
  private feed(input: EngineInput, task?: TaskView): void {
    this.journal?.append(input);
    this.apply(input, task);
  }

  private apply(input: EngineInput, task: TaskView | undefined): void {
    if (task === undefined) {
      if (input.kind !== 'agentJoined') return this.engine.handle(input);
      const { pool } = input.agent;
      const counted = pool !== undefined && this.engine.pendingProvisions().some((waiting) => waiting.pool === pool);
      this.engine.handle(input);
      // Taken by the engine: the join settles a provision, as the engine counts it.
      this.provisionBook.joined(pool, input.provision, counted);
      return;
    }
    switch (input.kind) {
      case 'started': return this.engine.started(input.now, task, input.attempt, input.report);
      case 'finished': return this.engine.finished(input.now, task, input.attempt, input.outcome);
      case 'offerAnswered': return this.engine.offerAnswered(input.now, task, input.agentId, input.offer, input.answer, input.setupTokens);
      default: return this.engine.handle(input);
    }
  }

  /**
   * Feeds an input read back from a journal, with its logged `now`, while the driver is
   * `recovering`: nothing reaches the connector; the driver only tracks what the engine asks
   * for (timers, attempts, offers), as it did when the input was first fed. An input the engine
   * refused then (it threw) is refused again, with the same effect, and is passed over.
   */
  replay(input: EngineInput): void {
    if (this.phase !== 'recovering' || this.replayBook === undefined) throw new Error(`LiveDriver.replay: the driver is ${this.phase}, not recovering`);
    const task = this.replayBook.input(input);
    try {
      this.apply(input, task);
    } catch {
      // Refused when first fed too (the caller was told then): replayed for its side effects only.
    }
    for (let command = this.engine.pollCommand(); command !== undefined; command = this.engine.pollCommand()) {
      if (command.kind === 'setTimer' || command.kind === 'cancelTimer') this.carryOut(command);
      else this.replayBook.command(command);
    }
    for (let event = this.engine.pollEvent(); event !== undefined; event = this.engine.pollEvent()) this.onQueuedEvent?.(event);
  }

  /**
   * Ends recovery and starts running: re-delivers (calls `connector.start` again for) every
   * attempt the engine still waits for, pausing again those it holds paused, re-sends every
   * open offer and asks again for every agent provisioned but not joined; then arms the runtime timer, so timers that came due while the process was
   * down fire at once. Delivery is at least once: a result for an attempt the engine no longer
   * expects is a stale result. Returns how many attempts, offers and provisions it re-delivered.
   */
  resume(): { attempts: number; offers: number; provisions: number } {
    if (this.phase !== 'recovering' || this.replayBook === undefined) throw new Error(`LiveDriver.resume: the driver is ${this.phase}, not recovering`);
    const { attempts, offers, provisions } = this.replayBook.redeliveries();
    this.replayBook = undefined;
    this.phase = 'running';
    this.input(call, () => {
      for (const attempt of attempts) {
        this.attempts.set(attempt.task.spec.id, attempt);
        this.deliverAttempt(attempt);
        if (attempt.task.state === 'paused' && attempt.task.attempt === attempt.attempt) {
          this.clearWatchdog(attempt);
          this.tell(this.connector.pause, { kind: 'pause', task: attempt.task, agent: attempt.agent, attempt: attempt.attempt }, true);
        }
      }
      for (const offer of offers) {
        this.offers.set(offer.key, offer);
        this.deliverOffer(offer);
      }
      for (const { number, pool } of provisions) this.deliverProvision(pool, number, true);
    }, undefined);
    return { attempts: attempts.length, offers: offers.length, provisions: provisions.length };
  }


  /** Ends everything: no timer, no pending call, every attempt's signal aborted. */
  private halt(): void {
    this.phase = 'stopped';
    if (this.armedHandle !== undefined) this.clock.clearTimer(this.armedHandle);
    this.armedHandle = undefined;
    this.timers.clear();
    this.engineTimers.clear();
    for (const attempt of this.attempts.values()) attempt.abort();
    for (const offer of this.offers.values()) offer.controller.abort();
    this.attempts.clear();
    this.offers.clear();
    this.resolveDrained?.();
    this.resolveDrained = undefined;
  }

  private checkDrained(): void {
    if (this.phase !== 'draining' || this.resolveDrained === undefined) return;
    if (this.engine.counts().inFlight > 0 || this.pendingProvisions > 0) return;
    if (this.attempts.firstWhere(isAwaited) !== undefined) return;
    for (const offer of this.offers.values()) if (!offer.withdrawn) return;
    this.halt();
  }

  /**
   * Feeds one input, then carries out the engine's commands and re-arms the runtime timer. An
   * input fed while another is being handled (a connector calling back synchronously) joins it.
   */
  private input<A, B>(feed: Feed<A, B>, a: A, b: B): void {
    if (this.feeding) {
      feed.call(this, a, b);
      return;
    }
    this.feeding = true;
    try {
      feed.call(this, a, b);
      for (let command = this.engine.pollCommand(); command !== undefined; command = this.engine.pollCommand()) this.carryOut(command);
      for (let event = this.engine.pollEvent(); event !== undefined; event = this.engine.pollEvent()) this.onQueuedEvent?.(event);
    } finally {
      this.feeding = false;
    }
    this.rearm();
    this.checkDrained();
  }

  /**
   * An input fed from a settlement: nobody is there to catch what the engine throws. `what`
   * names it in the error (made only then).
   */
  private settle<A, B>(what: (a: A) => string, feed: Feed<A, B>, a: A, b: B): void {
    if (this.phase === 'stopped') return;
    try {
      this.input(feed, a, b);
    } catch (error) {
      this.onError(new LiveDriverError('engine', `the engine refused ${what(a)}: ${String(error)}`, { cause: error }));
    }
  }

  private connectorError(message: string, cause?: unknown): void {
    this.onError(new LiveDriverError('connector', cause === undefined ? message : `${message}: ${String(cause)}`, { cause }));
  }

  /** Calls a fire-and-forget connector method; what it throws is reported. */
  private tell<K extends Command['kind']>(method: ((command: CommandOf<K>) => void) | undefined, command: CommandOf<K>, required: boolean): void {
    if (method === undefined) {
      if (required) this.connectorError(`the connector cannot ${command.kind} (no ${command.kind} method)`);
      return;
    }
    try {
      const result: unknown = method.call(this.connector, command);
      // A method that returns a promise anyway: its rejection is reported, not left unhandled.
      if (result instanceof Promise) result.catch((error: unknown) => this.connectorError(`${command.kind} failed`, error));
    } catch (error) {
      this.connectorError(`${command.kind} failed`, error);
    }
  }

  private carryOut(command: Command): void {
    switch (command.kind) {
      case 'start':
        this.startAttempt(command.task, command.agent, command.attempt);
        break;
      case 'abort': {
        const attempt = this.attempts.get(command.taskId, command.attempt);
        if (attempt !== undefined) {
          attempt.abandoned = true;
          this.clearWatchdog(attempt);
          attempt.abort();
        }
        this.tell(this.connector.abort, command, false);
        break;
      }
      case 'setTimer':
        this.addEngineTimer(command.timerId, command.at);
        break;
      case 'cancelTimer': {
        const timer = this.engineTimers.get(command.timerId);
        if (timer !== undefined) this.removeTimer(timer);
        break;
      }
      case 'offer':
        this.makeOffer(command.task, command.agent, command.offer);
        break;
      case 'withdraw':
        this.withdrawOffer(command, this.offers.get(offerKey(command.taskId, command.agentId, command.offer)));
        break;
      case 'pause': {
        const attempt = this.attempts.get(command.task.spec.id, command.attempt);
        if (attempt !== undefined) this.clearWatchdog(attempt);
        this.tell(this.connector.pause, { ...command }, true);
        break;
      }
      case 'resume': {
        const attempt = this.attempts.get(command.task.spec.id, command.attempt);
        if (attempt !== undefined && !attempt.abandoned && command.task.spec.timeoutSeconds === undefined) this.armWatchdog(attempt, this.limits.attemptTimeoutSeconds);
        this.tell(this.connector.resume, { ...command }, true);
        break;
      }
      case 'prewarm':
        this.tell(this.connector.prewarm, { ...command }, false);
        break;
      case 'provision':
        this.provision(command);
        break;
      case 'retire':
        this.tell(this.connector.retire, command, false);
        break;
      default: {
        const unreachable: never = command;
        throw new Error(`unknown command ${JSON.stringify(unreachable)}`);
      }
    }
  }

  private startAttempt(task: TaskView, agent: AgentView, attemptNumber: number): void {
    const attempt = new Attempt(this.attemptReports, task, agent, attemptNumber);
    this.makeRoom();
    this.attempts.set(task.spec.id, attempt);
    this.deliverAttempt(attempt);
  }

  /** Hands an attempt to the connector and watches it. */
  private deliverAttempt(attempt: Attempt): void {
    const { task, agent, attempt: attemptNumber } = attempt;
    // The engine reuses its start command objects: the connector gets its own.
    const command: CommandOf<'start'> = { kind: 'start', task, agent, attempt: attemptNumber };
    if (this.connector.run !== undefined) {
      try {
        // The attempt is its own context; its signal is made only if the connector reads it.
        this.connector.run(command, attempt);
      } catch (error) {
        // As a `start` that throws: failed once the current input is done, not inside it.
        queueMicrotask(() => this.attemptFailed(attempt, error));
      }
    } else {
      let settlement: Promise<Outcome>;
      try {
        settlement = Promise.resolve(this.connector.start(command, startContext(attempt)));
      } catch (error) {
        settlement = Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
      settlement.then((outcome) => this.attemptOutcome(attempt, outcome), (error: unknown) => this.attemptFailed(attempt, error));
    }
    // Settled already (a connector that finished it from within `run`): nothing to watch.
    if (!this.awaits(attempt)) return;
    // The engine's own timeout runs from the reported start: until then (or without one) the driver watches.
    const ownTimeout = task.spec.timeoutSeconds;
    if (!attempt.abandoned && (!attempt.startFed || ownTimeout === undefined)) {
      this.armWatchdog(attempt, attempt.startFed || ownTimeout === undefined ? this.limits.attemptTimeoutSeconds : Math.min(ownTimeout, this.limits.attemptTimeoutSeconds));
    }
  }

  /** The connector settled an attempt with `outcome`, which may be nonsense. */
  private attemptOutcome(attempt: Attempt, outcome: unknown): void {
    if (isOutcome(outcome)) {
      this.attemptSettled(attempt, outcome);
      return;
    }
    this.connectorError(`start of ${attempt.task.spec.id} (attempt ${attempt.attempt}) resolved with no outcome: ${JSON.stringify(outcome)}`);
    this.attemptSettled(attempt, AGENT_ERROR);
  }

  /** The connector's `start` rejected or threw (or its `run` threw). */
  private attemptFailed(attempt: Attempt, error: unknown): void {
    if (!attempt.abandoned) this.connectorError(`start of ${attempt.task.spec.id} (attempt ${attempt.attempt}) failed`, error);
    this.attemptSettled(attempt, AGENT_ERROR);
  }

  /** Whether the driver still waits for `attempt`: not settled, forgotten, or replaced by another of its number. */
  private awaits(attempt: Attempt): boolean {
    return this.attempts.get(attempt.task.spec.id, attempt.attempt) === attempt;
  }

  private reportStarted(attempt: Attempt, report: StartReport): void {
    if (attempt.startFed || attempt.abandoned || !this.awaits(attempt)) return;
    if (!isStartReport(report)) {
      this.connectorError(`start of ${attempt.task.spec.id} reported nonsense: ${JSON.stringify(report)}`);
      return;
    }
    attempt.startFed = true;
    if (attempt.task.spec.timeoutSeconds !== undefined) this.clearWatchdog(attempt);
    this.settle(describeInput, this.feed, { kind: 'started', now: this.clock.now(), taskId: attempt.task.spec.id, attempt: attempt.attempt, report: plainStartReport(report) }, attempt.view);
  }

  private attemptSettled(attempt: Attempt, outcome: Outcome): void {
    if (!this.awaits(attempt)) return; // forgotten, or the driver stopped
    this.attempts.delete(attempt.task.spec.id, attempt.attempt);
    this.clearWatchdog(attempt);
    this.settle(describeResult, this.feedResult, attempt, outcome);
  }

  /** Feeds an attempt's result (after its start, when the connector reported none). */
  private feedResult(attempt: Attempt, outcome: Outcome): void {
    const now = this.clock.now();
    const taskId = attempt.task.spec.id;
    if (!attempt.startFed && !attempt.abandoned) this.feed({ kind: 'started', now, taskId, attempt: attempt.attempt, report: unobservedStart(attempt.task) }, attempt.view);
    attempt.startFed = true;
    this.feed({ kind: 'finished', now, taskId, attempt: attempt.attempt, outcome: plainOutcome(outcome) }, attempt.view);
  }

  /** Sets the attempt's watchdog `limit` seconds from now: the attempt itself joins the timer queue, under a negative id. */
  private armWatchdog(attempt: Attempt, limit: number): void {
    if (limit === Number.POSITIVE_INFINITY) return;
    this.clearWatchdog(attempt);
    this.timers.add(attempt, this.clock.now() + limit, this.clock.ticket());
  }

  private clearWatchdog(attempt: Attempt): void {
    this.timers.remove(attempt);
  }

  /**
   * The limit an attempt's watchdog was set to: the driver's, or the task's own timeout when
   * shorter (a watchdog is set with the task's own only until its start is fed, and cleared then).
   */
  private watchdogSeconds(attempt: Attempt): number {
    const ownTimeout = attempt.task.spec.timeoutSeconds;
    return ownTimeout === undefined ? this.limits.attemptTimeoutSeconds : Math.min(ownTimeout, this.limits.attemptTimeoutSeconds);
  }

  /** Queues engine timer `timerId`, due at `atSeconds`; an id already pending throws (the engine never reuses one). */
  private addEngineTimer(timerId: number, atSeconds: number): void {
    if (this.engineTimers.has(timerId)) throw new Error(`timer ${timerId} is already pending`);
    const timer: EngineTimer = { timerId, queueIndex: -1 };
    this.engineTimers.set(timerId, timer);
    this.timers.add(timer, atSeconds, this.clock.ticket());
  }

  /** Takes a timer out of the queue (an engine timer out of its index too). */
  private removeTimer(timer: EngineTimer | Attempt | Offer): void {
    this.timers.remove(timer);
    if (isEngineTimer(timer)) this.engineTimers.delete(timer.timerId);
  }

  /** The driver's execution limit ran out (the attempt already left the timer queue): the attempt fails with `timeout` and is aborted. */
  private watchdogFired(attempt: Attempt): void {
    attempt.abandoned = true;
    attempt.abort();
    this.onError(new LiveDriverError('attempt-timeout',
      `attempt ${attempt.attempt} of ${attempt.task.spec.id} on ${attempt.agent.spec.id} ran ${this.watchdogSeconds(attempt)} s ${attempt.startFed ? '(limits.attemptTimeoutSeconds)' : 'without a reported start'}: failed as a timeout`));
    this.settle(() => `the timeout of ${attempt.task.spec.id}`, call, () => {
      const now = this.clock.now();
      const taskId = attempt.task.spec.id;
      if (!attempt.startFed) this.feed({ kind: 'started', now, taskId, attempt: attempt.attempt, report: unobservedStart(attempt.task) }, attempt.view);
      attempt.startFed = true;
      this.feed({ kind: 'finished', now, taskId, attempt: attempt.attempt, outcome: TIMED_OUT }, attempt.view);
    }, undefined);
  }

  private makeOffer(task: TaskView, agent: AgentView, offerNumber: number): void {
    const offer = newOffer(task, agent, offerNumber);
    this.makeRoom();
    this.offers.set(offer.key, offer);
    this.deliverOffer(offer);
  }

  /** Hands an offer to the connector. */
  private deliverOffer(offer: Offer): void {
    const { task, agent, offer: offerNumber } = offer;
    let settlement: Promise<OfferResponse>;
    try {
      if (this.connector.offer === undefined) throw new Error('the connector cannot offer (no offer method)');
      settlement = Promise.resolve(this.connector.offer({ kind: 'offer', task, agent, offer: offerNumber }, { signal: offer.controller.signal }));
    } catch (error) {
      settlement = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    settlement.then(
      (response) => {
        if (isOfferResponse(response)) return this.offerAnswered(offer, response);
        this.connectorError(`offer ${offerNumber} of ${task.spec.id} to ${offer.agentId} resolved with no answer: ${JSON.stringify(response)}`);
        this.offerAnswered(offer, { answer: DECLINED });
      },
      (error: unknown) => {
        if (!offer.withdrawn) this.connectorError(`offer ${offerNumber} of ${task.spec.id} to ${offer.agentId} failed`, error);
        this.offerAnswered(offer, { answer: DECLINED });
      },
    );
    // Unless it settled synchronously (a connector that threw): the promise's reactions come later.
    if (this.offers.get(offer.key) === offer && this.limits.offerTimeoutSeconds !== Number.POSITIVE_INFINITY) {
      this.timers.add(offer, this.clock.now() + this.limits.offerTimeoutSeconds, this.clock.ticket());
    }
  }

  /** Feeds the answer to `offer`, unless the driver no longer waits for it (withdrawn and forgotten, answered, or declined by its watchdog). */
  private offerAnswered(offer: Offer, response: OfferResponse): void {
    if (this.offers.get(offer.key) !== offer) return;
    this.offers.delete(offer.key);
    this.timers.remove(offer);
    this.settle(describeInput, this.feed,
      { kind: 'offerAnswered', now: this.clock.now(), taskId: offer.task.spec.id, agentId: offer.agentId, offer: offer.offer, answer: plainAnswer(response.answer), setupTokens: response.setupTokens ?? 0 }, offer.view);
  }

  /** The driver's limit on an offer ran out (the offer already left the timer queue): the connector's call is aborted and the offer declined. */
  private offerWatchdogFired(offer: Offer): void {
    this.onError(new LiveDriverError('offer-timeout',
      `offer ${offer.offer} of ${offer.task.spec.id} to ${offer.agentId} unanswered after ${this.limits.offerTimeoutSeconds} s (limits.offerTimeoutSeconds): declined`));
    // To the connector it is a withdrawal; its late answer, or the rejection the abort may cause, is ignored without a report.
    this.withdrawOffer({ kind: 'withdraw', taskId: offer.task.spec.id, agentId: offer.agentId, offer: offer.offer }, offer);
    this.offerAnswered(offer, { answer: DECLINED });
  }

  /**
   * Tells the connector an offer is withdrawn, then aborts the offer's signal (when the driver
   * still holds it): in that order, so that a connector that forgets an offer on its abort (the
   * HTTP service) still knows which offer to withdraw from its agent.
   */
  private withdrawOffer(command: CommandOf<'withdraw'>, offer: Offer | undefined): void {
    this.tell(this.connector.withdraw, command, false);
    if (offer === undefined) return;
    offer.withdrawn = true;
    this.timers.remove(offer);
    offer.controller.abort();
  }

  private provision(command: CommandOf<'provision'>): void {
    this.deliverProvision(command.pool, this.provisionBook.ask(command.pool), false);
  }

  /**
   * Hands provision `number` of `pool` to the connector (`redelivered`: asked again after a
   * restart); the agent it settles with joins as the answer to it.
   */
  private deliverProvision(pool: string, number: number, redelivered: boolean): void {
    if (this.connector.provision === undefined) {
      this.connectorError(`the connector cannot provision an agent for pool ${pool} (no provision method)`);
      return;
    }
    this.makeRoom();
    this.pendingProvisions++;
    let settlement: Promise<AgentSpec>;
    try {
      settlement = Promise.resolve(this.connector.provision({ kind: 'provision', pool }, { provisionId: provisionId(this.historyEpochMs, number), redelivered }));
    } catch (error) {
      settlement = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    settlement.then(
      (spec) => {
        this.pendingProvisions--;
        this.settle(() => `agent ${spec.id} provisioned for pool ${pool}`, this.feed, { kind: 'agentJoined', now: this.clock.now(), agent: spec, provision: number }, undefined);
      },
      (error: unknown) => {
        this.pendingProvisions--;
        if (this.phase !== 'stopped') this.connectorError(`provision for pool ${pool} failed`, error);
        this.checkDrained();
      },
    );
  }

  /** Keeps pending connector calls within `maxPendingCalls`, forgetting those nobody waits for. */
  private makeRoom(): void {
    if (this.attempts.size + this.offers.size + this.pendingProvisions < this.limits.maxPendingCalls) return;
    const abandoned = this.attempts.firstWhere(isAbandoned);
    if (abandoned !== undefined) {
      this.attempts.delete(abandoned.task.spec.id, abandoned.attempt);
      return;
    }
    for (const [key, offer] of this.offers) {
      if (offer.withdrawn) {
        this.offers.delete(key);
        return;
      }
    }
    this.onError(new LiveDriverError('pending-calls', `${this.attempts.size + this.offers.size + this.pendingProvisions} connector calls pending (limits.maxPendingCalls), none abandoned: the fleet holds more work than the limit allows`));
  }

  /** Arms the runtime timer for the earliest pending timer (or clears it when none is left). */
  private rearm(): void {
    const head = this.timers.peek();
    if (head === undefined || this.phase === 'stopped') {
      if (this.armedHandle !== undefined) this.clock.clearTimer(this.armedHandle);
      this.armedHandle = undefined;
      return;
    }
    const headSeconds = this.timers.peekSeconds();
    const headTicket = this.timers.peekTicket();
    if (this.armedHandle !== undefined) {
      if (this.armedAt === headSeconds && this.armedTicket === headTicket) return;
      this.clock.clearTimer(this.armedHandle);
    }
    this.armedAt = headSeconds;
    this.armedTicket = headTicket;
    this.armedHandle = this.clock.setTimer(headSeconds, this.wake, headTicket);
  }

  /**
   * The runtime timer fired: feeds every timer due, earliest first. A timer due at the same
   * instant as another clock timer with an earlier ticket waits for it (the timer is re-armed
   * behind it), so equal times keep their order.
   */
  private readonly wake = (): void => {
    this.armedHandle = undefined;
    let fired = 0;
    // The clock is read afresh for each timer: on a real clock, time moves while inputs are fed.
    for (let head = this.timers.peek(); head !== undefined && this.timers.peekSeconds() <= this.clock.now() && this.phase !== 'stopped'; head = this.timers.peek()) {
      if (fired > 0 && this.clock.pendingBefore(this.timers.peekSeconds(), this.timers.peekTicket())) break;
      this.removeTimer(head);
      fired++;
      if (head instanceof Attempt) this.watchdogFired(head);
      else if (isEngineTimer(head)) this.settle(describeInput, this.feed, { kind: 'timer', now: this.clock.now(), timerId: head.timerId }, undefined);
      else this.offerWatchdogFired(head);
    }
    this.rearm();
  };
}

function createEngineWithEvents(options: EngineOptions, onEvent: ((event: EngineEvent) => void) | undefined): Engine {
  if (onEvent === undefined) return createEngine(options);
  const objects = new EventObjects(onEvent);
  return createEngine({ ...options, events: options.events === undefined ? objects : new TeeSink([options.events, objects]) });
}

/** Whether a timer of the driver's queue is one of the engine's (not an attempt's or an offer's watchdog). */
function isEngineTimer(timer: EngineTimer | Attempt | Offer): timer is EngineTimer {
  return 'timerId' in timer;
}

/** An attempt the engine gave up on, which nobody waits for. */
const isAbandoned = (attempt: Attempt): boolean => attempt.abandoned;
/** An attempt the engine still waits for. */
const isAwaited = (attempt: Attempt): boolean => !attempt.abandoned;

/** Creates a {@link LiveDriver}. */
export function createLiveDriver(options: LiveDriverOptions): LiveDriver {
  return new LiveDriver(options);
}
