/**
 * The connector calls a live driver waits on (attempts and offers), and their bookkeeping while
 * the driver replays a journal ({@link ReplayBook}): what the engine asked for and has not had
 * an answer to, so that `resume` can deliver it again.
 */
import type { AgentView } from '../engine/agent.js';
import type { Engine } from '../engine/engine.js';
import type { Command, EngineInput, Outcome, StartReport } from '../engine/messages.js';
import type { AgentId, TaskView } from '../engine/task.js';
import type { AttemptMap } from './attemptMap.js';
import type { AttemptContext, RunContext } from './connector.js';
import { offerKey } from './settlements.js';
import type { PendingTimer } from './timerQueue.js';
import type { NumberedProvision, ProvisionBook } from './provisionBook.js';

/**
 * An `AbortController` made only when its signal is read or it is aborted. Most attempts end
 * without either (a connector that checks {@link LazyAbortController.aborted} now and then
 * never reads the signal), and a controller with its signal was the largest single allocation
 * of a live task (its `EventTarget` state), young garbage that GC pauses had to wade through.
 */
export class LazyAbortController {
  private controller: AbortController | undefined = undefined;
  /**
   * {@link ABORTED}, and the bits a subclass adds above it: an attempt's flags share this one
   * field (a boolean each was a field each on every attempt in flight).
   */
  protected flags = 0;

  /** The signal, made on first read (already aborted when {@link abort} came first). */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort();
    }
    return this.controller.signal;
  }

  /** Whether {@link abort} was called (without making the signal). */
  get aborted(): boolean {
    return (this.flags & ABORTED) !== 0;
  }

  /** Aborts the signal (made or to be made). */
  abort(): void {
    if (this.aborted) return;
    this.flags |= ABORTED;
    this.controller?.abort();
  }
}

/** {@link LazyAbortController.abort} was called. */
const ABORTED = 1;
/** An attempt's `started` was fed to the engine. */
const START_FED = 2;
/** The engine no longer waits for the attempt. */
const ABANDONED = 4;
/** The attempt has no record of the engine driven now (see {@link Attempt.view}). */
const DETACHED = 8;

/** Where an {@link Attempt} hands what its connector reports: the driver. */
export interface AttemptReports {
  /** The connector reported the attempt's start. */
  attemptStarted(attempt: Attempt, report: StartReport): void;
  /** The connector reported the attempt's outcome (checked by the driver: it may be nonsense). */
  attemptFinished(attempt: Attempt, outcome: unknown): void;
}

/**
 * An attempt handed to the connector (or, while recovering, to be handed to it). It is also the
 * context the connector is handed with it, its own lazy abort controller, its entry in the
 * driver's {@link AttemptMap} and its watchdog's timer in the driver's timer queue: one object per
 * attempt in flight instead of a record, a controller, a context and its closure, a key string
 * and a timer (everything an attempt keeps lives ~0.2 s under load, long enough to be copied by
 * a scavenge or promoted to the old generation). So it keeps few fields: its flags in one number,
 * no copy of its record for {@link view}, and its watchdog's due time and ticket in the timer
 * queue's columns (a due time here was a boxed double), its limit derived from the task's spec.
 */
export class Attempt extends LazyAbortController implements RunContext, PendingTimer {
  /** {@link AttemptMap}'s link to another attempt of the task (set by the map only). */
  next: Attempt | undefined = undefined;
  /** The watchdog's place in the driver's timer queue, -1 when it is not set (set by the queue only). */
  queueIndex = -1;
  /** {@inheritDoc RunContext.connectorNext} */
  connectorNext: RunContext | undefined = undefined;
  /** {@inheritDoc RunContext.connectorFlags} */
  connectorFlags = 0;

  /**
   * @param reports - where the connector's reports go.
   * @param task - the task (its engine's record: read its spec and state, never keep it past a swap).
   * @param agent - the agent it runs on.
   * @param attempt - its number.
   */
  constructor(private readonly reports: AttemptReports, public task: TaskView, public agent: AgentView, readonly attempt: number) {
    super();
  }

  /**
   * The record to feed its results with (see `LiveDriver.feed`): its `task`, or undefined once
   * the engine was swapped for one restored from a snapshot that no longer holds the attempt
   * (fed by id then).
   */
  get view(): TaskView | undefined {
    return (this.flags & DETACHED) === 0 ? this.task : undefined;
  }

  /** `started` was fed to the engine. */
  get startFed(): boolean {
    return (this.flags & START_FED) !== 0;
  }

  set startFed(fed: boolean) {
    this.flags = fed ? this.flags | START_FED : this.flags & ~START_FED;
  }

  /** The engine no longer waits for it (aborted, or failed by the driver's watchdog). */
  get abandoned(): boolean {
    return (this.flags & ABANDONED) !== 0;
  }

  set abandoned(given: boolean) {
    this.flags = given ? this.flags | ABANDONED : this.flags & ~ABANDONED;
  }

  /** Its engine was swapped: no {@link view} until {@link rebind}. */
  detach(): void {
    this.flags |= DETACHED;
  }

  /** Takes the swapped engine's records of its task and agent (its {@link view} again). */
  rebind(task: TaskView, agent: AgentView): void {
    this.task = task;
    this.agent = agent;
    this.flags &= ~DETACHED;
  }

  /** {@inheritDoc RunContext.started} */
  started(report: StartReport): void {
    this.reports.attemptStarted(this, report);
  }

  /** {@inheritDoc RunContext.finished} */
  finished(outcome: Outcome): void {
    this.reports.attemptFinished(this, outcome);
  }
}

/**
 * The context a promise connector's `start` is handed with `attempt`: its `started` is a function
 * of its own, so the connector may destructure it (`start(command, { signal, started })`), as
 * {@link AttemptContext} allows. A connector with `run` is handed the attempt itself, whose
 * methods must be called on it.
 */
export function startContext(attempt: Attempt): AttemptContext {
  return {
    get signal() {
      return attempt.signal;
    },
    get aborted() {
      return attempt.aborted;
    },
    started: (report: StartReport) => attempt.started(report),
  };
}

/** An offer handed to the connector (or, while recovering, to be handed to it). */
export interface Offer extends PendingTimer {
  /** Identifies the offer among the driver's offers (task, agent and offer number). */
  readonly key: string;
  /** The task offered. */
  task: TaskView;
  /** The agent offered it. */
  agent: AgentView;
  /** As for {@link Attempt.view}. */
  view: TaskView | undefined;
  /** The agent's id. */
  readonly agentId: AgentId;
  /** The offer number to quote in the answer. */
  readonly offer: number;
  /** Aborts the connector's offer call when the offer is withdrawn. */
  readonly controller: LazyAbortController;
  /** The engine withdrew the offer (or the driver's limit declined it); its answer, if any, is ignored. */
  withdrawn: boolean;
  /** The watchdog's place in the driver's timer queue, -1 when it is not set (set by the queue only). */
  queueIndex: number;
}

/** A new offer of `task` to `agent`. */
export function newOffer(task: TaskView, agent: AgentView, offer: number): Offer {
  return { key: offerKey(task.spec.id, agent.spec.id, offer), task, agent, view: task, agentId: agent.spec.id, offer, controller: new LazyAbortController(), withdrawn: false, queueIndex: -1 };
}

/**
 * What a replay leaves to deliver: it keeps the driver's attempts and offers as the commands of
 * replayed inputs create and end them (nothing reaches the connector), and numbers the
 * provisions in the driver's provision book (which the joins the driver feeds settle, as the
 * engine counts them: ./provisionBook.ts).
 */
export class ReplayBook {
  /**
   * @param attempts - the driver's attempts; @param offers - its offers by key.
   * @param reports - where the attempts it makes report to.
   * @param provisions - the driver's provision book.
   */
  constructor(private readonly attempts: AttemptMap<Attempt>, private readonly offers: Map<string, Offer>, private readonly reports: AttemptReports, private readonly provisions: ProvisionBook) {}

  /**
   * A replayed input's bookkeeping; returns the view of the task whose result or answer it is,
   * when the driver holds one: the driver fed it with that view when the input was new.
   */
  input(input: EngineInput): TaskView | undefined {
    switch (input.kind) {
      case 'started':
      case 'finished': {
        const attempt = this.attempts.get(input.taskId, input.attempt);
        if (attempt !== undefined && input.kind === 'started') attempt.startFed = true;
        if (input.kind === 'finished') this.attempts.delete(input.taskId, input.attempt);
        return attempt?.view;
      }
      case 'offerAnswered': {
        const key = offerKey(input.taskId, input.agentId, input.offer);
        const task = this.offers.get(key)?.view;
        this.offers.delete(key);
        return task;
      }
      default:
        return undefined;
    }
  }

  /** A replayed command (other than a timer's, which the driver keeps itself): its bookkeeping only. */
  command(command: Command): void {
    switch (command.kind) {
      case 'start': {
        this.attempts.set(command.task.spec.id, new Attempt(this.reports, command.task, command.agent, command.attempt));
        break;
      }
      case 'abort': {
        const attempt = this.attempts.get(command.taskId, command.attempt);
        if (attempt !== undefined) attempt.abandoned = true;
        break;
      }
      case 'offer': {
        const offer = newOffer(command.task, command.agent, command.offer);
        this.offers.set(offer.key, offer);
        break;
      }
      case 'withdraw': {
        const offer = this.offers.get(offerKey(command.taskId, command.agentId, command.offer));
        if (offer !== undefined) offer.withdrawn = true;
        break;
      }
      case 'provision':
        this.provisions.ask(command.pool);
        break;
      default:
        // Fire-and-forget commands: pause and resume are re-sent on resume from the task's state.
        break;
    }
  }

  /**
   * Ends the replay: takes out of the driver's maps every attempt and offer the engine still
   * waits for (those it gave up on are dropped), and lists the provisions not joined.
   */
  redeliveries(): { attempts: Attempt[]; offers: Offer[]; provisions: NumberedProvision[] } {
    const attempts = [...this.attempts.values()].filter((attempt) => !attempt.abandoned);
    const offers = [...this.offers.values()].filter((offer) => !offer.withdrawn);
    this.attempts.clear();
    this.offers.clear();
    return { attempts, offers, provisions: this.provisions.list() };
  }
}

/**
 * After the driver's engine was swapped for one restored from its snapshot: every attempt and
 * offer the new engine waits on takes the new engine's records; the others (given up on) keep
 * their old records for reading and are fed by id.
 */
export function rebind(attempts: AttemptMap<Attempt>, offers: Map<string, Offer>, engine: Engine): void {
  for (const attempt of attempts.values()) attempt.detach();
  for (const offer of offers.values()) offer.view = undefined;
  for (const open of engine.openAttempts()) {
    const attempt = attempts.get(open.task.spec.id, open.attempt);
    if (attempt === undefined) continue;
    attempt.rebind(open.task, open.agent);
  }
  for (const open of engine.openOffers()) {
    const offer = offers.get(offerKey(open.task.spec.id, open.agent.spec.id, open.offer));
    if (offer === undefined) continue;
    offer.task = offer.view = open.task;
    offer.agent = open.agent;
  }
}
