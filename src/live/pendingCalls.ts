/**
 * The connector calls a live driver waits on (attempts and offers), and their bookkeeping while
 * the driver replays a journal ({@link ReplayBook}): what the engine asked for and has not had
 * an answer to, so that `resume` can deliver it again.
 */
import type { AgentView } from '../engine/agent.js';
import type { Engine } from '../engine/engine.js';
import type { Command, EngineInput, StartReport } from '../engine/messages.js';
import type { AgentId, TaskView } from '../engine/task.js';
import type { AttemptContext } from './connector.js';
import { attemptKey, offerKey } from './settlements.js';

/**
 * An `AbortController` made only when its signal is read or it is aborted. Most attempts end
 * without either (a connector that checks {@link LazyAbortController.aborted} now and then
 * never reads the signal), and a controller with its signal was the largest single allocation
 * of a live task (its `EventTarget` state), young garbage that GC pauses had to wade through.
 */
export class LazyAbortController {
  private controller: AbortController | undefined;
  private abortedAlready = false;

  /** The signal, made on first read (already aborted when {@link abort} came first). */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortedAlready) this.controller.abort();
    }
    return this.controller.signal;
  }

  /** Whether {@link abort} was called (without making the signal). */
  get aborted(): boolean {
    return this.abortedAlready;
  }

  /** Aborts the signal (made or to be made). */
  abort(): void {
    if (this.abortedAlready) return;
    this.abortedAlready = true;
    this.controller?.abort();
  }
}

/**
 * What the driver hands a connector with a start. Its getters are on the prototype: an object
 * literal with getters would make two closures (and its own accessor pairs) per attempt, all of
 * them living as long as the attempt.
 */
export class DriverAttemptContext implements AttemptContext {
  /**
   * @param controller - the attempt's controller, whose signal is made only if a connector reads it.
   * @param started - reports the attempt's start to the driver.
   */
  constructor(private readonly controller: LazyAbortController, readonly started: (report: StartReport) => void) {}

  /** {@inheritDoc AttemptContext.signal} */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** {@inheritDoc AttemptContext.aborted} */
  get aborted(): boolean {
    return this.controller.aborted;
  }
}

/** An attempt handed to the connector (or, while recovering, to be handed to it). */
export interface Attempt {
  readonly key: string;
  /** The task (its engine's record: read its spec and state, never keep it past a swap). */
  task: TaskView;
  agent: AgentView;
  /**
   * The record to feed its results with (see `LiveDriver.feed`); undefined once the engine was
   * swapped for one restored from a snapshot that no longer holds the attempt (fed by id then).
   */
  view: TaskView | undefined;
  readonly attempt: number;
  readonly controller: LazyAbortController;
  /** `started` was fed to the engine. */
  started: boolean;
  /** The engine no longer waits for it (aborted, or failed by the driver's watchdog). */
  abandoned: boolean;
  /** The watchdog's timer id (negative), 0 when none is set. */
  watchdogId: number;
  /** The watchdog's limit in seconds, for its message. */
  watchdogSeconds: number;
}

/** An offer handed to the connector (or, while recovering, to be handed to it). */
export interface Offer {
  readonly key: string;
  task: TaskView;
  agent: AgentView;
  /** As for {@link Attempt.view}. */
  view: TaskView | undefined;
  readonly agentId: AgentId;
  readonly offer: number;
  readonly controller: LazyAbortController;
  withdrawn: boolean;
}

/** A new attempt of `task` on `agent`. */
export function newAttempt(task: TaskView, agent: AgentView, attempt: number): Attempt {
  return {
    key: attemptKey(task.spec.id, attempt), task, agent, view: task, attempt, controller: new LazyAbortController(),
    started: false, abandoned: false, watchdogId: 0, watchdogSeconds: 0,
  };
}

/** A new offer of `task` to `agent`. */
export function newOffer(task: TaskView, agent: AgentView, offer: number): Offer {
  return { key: offerKey(task.spec.id, agent.spec.id, offer), task, agent, view: task, agentId: agent.spec.id, offer, controller: new LazyAbortController(), withdrawn: false };
}

/**
 * What a replay leaves to deliver: it keeps the driver's attempts and offers as the commands of
 * replayed inputs create and end them (nothing reaches the connector), and counts provisions by
 * pool as the engine does (any agent joining a pool is taken as one it provisioned).
 */
export class ReplayBook {
  private readonly provisions = new Map<string, number>();

  /** @param attempts - the driver's attempts by key; @param offers - its offers by key. */
  constructor(private readonly attempts: Map<string, Attempt>, private readonly offers: Map<string, Offer>) {}

  /**
   * A replayed input's bookkeeping; returns the view of the task whose result or answer it is,
   * when the driver holds one: the driver fed it with that view when the input was new.
   */
  input(input: EngineInput): TaskView | undefined {
    switch (input.kind) {
      case 'started':
      case 'finished': {
        const key = attemptKey(input.taskId, input.attempt);
        const attempt = this.attempts.get(key);
        if (attempt !== undefined && input.kind === 'started') attempt.started = true;
        if (input.kind === 'finished') this.attempts.delete(key);
        return attempt?.view;
      }
      case 'offerAnswered': {
        const key = offerKey(input.taskId, input.agentId, input.offer);
        const task = this.offers.get(key)?.view;
        this.offers.delete(key);
        return task;
      }
      case 'agentJoined': {
        const pool = input.agent.pool;
        const pending = pool === undefined ? 0 : (this.provisions.get(pool) ?? 0);
        if (pending > 0) this.provisions.set(pool!, pending - 1);
        return undefined;
      }
      default:
        return undefined;
    }
  }

  /** A replayed command (other than a timer's, which the driver keeps itself): its bookkeeping only. */
  command(command: Command): void {
    switch (command.kind) {
      case 'start': {
        const attempt = newAttempt(command.task, command.agent, command.attempt);
        this.attempts.set(attempt.key, attempt);
        break;
      }
      case 'abort': {
        const attempt = this.attempts.get(attemptKey(command.taskId, command.attempt));
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
        this.provisions.set(command.pool, (this.provisions.get(command.pool) ?? 0) + 1);
        break;
      default:
        // Fire-and-forget commands: pause and resume are re-sent on resume from the task's state.
        break;
    }
  }

  /** Provisions the engine of a snapshot was waiting for, by pool. */
  seedProvisions(provisioning: Iterable<readonly [string, number]>): void {
    for (const [pool, count] of provisioning) this.provisions.set(pool, (this.provisions.get(pool) ?? 0) + count);
  }

  /**
   * Ends the replay: takes out of the driver's maps every attempt and offer the engine still
   * waits for (those it gave up on are dropped), and lists the pools of provisions not joined.
   */
  redeliveries(): { attempts: Attempt[]; offers: Offer[]; provisions: string[] } {
    const attempts = [...this.attempts.values()].filter((attempt) => !attempt.abandoned);
    const offers = [...this.offers.values()].filter((offer) => !offer.withdrawn);
    this.attempts.clear();
    this.offers.clear();
    const provisions: string[] = [];
    for (const [pool, count] of this.provisions) for (let i = 0; i < count; i++) provisions.push(pool);
    this.provisions.clear();
    return { attempts, offers, provisions };
  }
}

/**
 * After the driver's engine was swapped for one restored from its snapshot: every attempt and
 * offer the new engine waits on takes the new engine's records; the others (given up on) keep
 * their old records for reading and are fed by id.
 */
export function rebind(attempts: Map<string, Attempt>, offers: Map<string, Offer>, engine: Engine): void {
  for (const attempt of attempts.values()) attempt.view = undefined;
  for (const offer of offers.values()) offer.view = undefined;
  for (const open of engine.openAttempts()) {
    const attempt = attempts.get(attemptKey(open.task.spec.id, open.attempt));
    if (attempt === undefined) continue;
    attempt.task = attempt.view = open.task;
    attempt.agent = open.agent;
  }
  for (const open of engine.openOffers()) {
    const offer = offers.get(offerKey(open.task.spec.id, open.agent.spec.id, open.offer));
    if (offer === undefined) continue;
    offer.task = offer.view = open.task;
    offer.agent = open.agent;
  }
}
