/**
 * The live driver's options, bounds, counts and errors (the driver itself is in driver.ts).
 */
import type { Engine, EngineOptions, TaskCounts } from '../engine/engine.js';
import type { EngineEvent } from '../engine/messages.js';
import type { Clock } from './clock.js';
import type { AgentConnector } from './connector.js';
import type { Journal } from './journal.js';

/** The driver's bounds. */
export interface LiveDriverLimits {
  /** Tasks in flight (submitted, not final) beyond which `submit` is refused. Default 100,000. */
  readonly maxInFlightTasks: number;
  /**
   * Connector calls awaiting a settlement (attempts, offers, provisions). Beyond it, calls the
   * engine no longer waits for (aborted attempts, withdrawn offers) are forgotten, oldest first;
   * their late answers are then ignored. Default 10,000.
   */
  readonly maxPendingCalls: number;
  /**
   * Seconds an attempt of a task without its own `timeoutSeconds` may run before the driver
   * fails it with reason `timeout` and aborts it (a hung connector). A task with its own
   * timeout is watched by the engine from its reported start, and by the driver, for that
   * timeout, until the connector reports the start. Infinity disables it. Default 3,600.
   */
  readonly attemptTimeoutSeconds: number;
  /**
   * Seconds an offer may wait for the connector's answer before the driver answers it as a
   * decline (`declined`) and aborts the call: a hung connector, or an agent that never answers,
   * would otherwise hold the offer (and, under `delegation.mode: offer`, the task) until the
   * engine's own `delegation.offerTimeout`, which is unbounded by default. Infinity disables
   * it. Default 300.
   */
  readonly offerTimeoutSeconds: number;
}

/** The default {@link LiveDriverLimits}. */
export const DEFAULT_LIVE_LIMITS: LiveDriverLimits = Object.freeze({
  maxInFlightTasks: 100_000,
  maxPendingCalls: 10_000,
  attemptTimeoutSeconds: 3_600,
  offerTimeoutSeconds: 300,
});

/** What went wrong, for a {@link LiveDriverError}. */
export type LiveDriverErrorCode =
  /** A submission (or other input) after `stop`. */
  | 'stopped'
  /** A submission (or other input) while the driver replays its journal, before `resume`. */
  | 'recovering'
  /** A submission beyond `maxInFlightTasks`. */
  | 'overloaded'
  /** A submission under a task id the engine knows (live, or settled and remembered). */
  | 'duplicate'
  /** More connector calls pending than `maxPendingCalls`, none of them forgettable. */
  | 'pending-calls'
  /** A connector threw, rejected, answered nonsense, or lacks a method a command needs. */
  | 'connector'
  /** The driver's own execution limit failed a hung attempt. */
  | 'attempt-timeout'
  /** The driver's own limit declined an offer the connector did not answer. */
  | 'offer-timeout'
  /** The engine refused an input the driver fed from a settlement (a duplicate agent id, say). */
  | 'engine'
  /** A durable driver could not write its log or a snapshot. */
  | 'journal';

/** An error of the live driver, with a code to act on. */
export class LiveDriverError extends Error {
  /** @param code - what went wrong; @param message - for people; @param cause - the underlying error. */
  constructor(readonly code: LiveDriverErrorCode, message: string, options?: { readonly cause?: unknown }) {
    super(message, options);
    this.name = 'LiveDriverError';
  }
}

/** What {@link createLiveDriver} needs. */
export interface LiveDriverOptions {
  /** The engine to drive, or the options to create one with. */
  readonly engine: Engine | EngineOptions;
  /** The clock timers and timestamps come from. */
  readonly clock: Clock;
  /** Carries out the engine's commands on the agents. */
  readonly connector: AgentConnector;
  /**
   * Receives every engine event as an object: as it happens when the driver creates the engine;
   * after each input for an engine passed in that queues its events (one built without a sink).
   */
  readonly onEvent?: (event: EngineEvent) => void;
  /**
   * Receives what went wrong without stopping the driver (connector failures, hung attempts).
   * Default: the last 100 are kept in {@link LiveDriver.errors}.
   */
  readonly onError?: (error: LiveDriverError) => void;
  /** Bounds on what the driver holds, over the defaults. */
  readonly limits?: Partial<LiveDriverLimits>;
  /**
   * Where every input is recorded before it is fed to the engine (the write-ahead log of a
   * durable driver). Absent: inputs are recorded nowhere.
   */
  readonly journal?: Journal;
  /**
   * true: the driver starts `recovering`: the inputs of a journal are fed back with
   * {@link LiveDriver.replay} (nothing reaches the connector), then {@link LiveDriver.resume}
   * re-delivers what the engine still waits for and starts running. Default false.
   */
  readonly recovering?: boolean;
  /**
   * Unix ms that tells this history apart from any other (a data directory's epoch): with the
   * provision's number it makes each provision's id (`ProvisionContext.provisionId`). Default:
   * when the driver was created.
   */
  readonly historyEpochMs?: number;
}

/** How {@link LiveDriver.stop} ends the run. */
export interface StopOptions {
  /**
   * true (default): take nothing new, let every accepted task reach a final state, then stop.
   * false: cancel every live task, abort every attempt, stop at once.
   */
  readonly drain?: boolean;
}

/** The engine's ledger plus what the driver holds. */
export interface LiveCounts extends TaskCounts {
  /** Attempts whose connector call has not settled (aborted ones included until forgotten). */
  pendingAttempts: number;
  /** Offers whose answer has not come. */
  pendingOffers: number;
  /** Provisions whose agent has not joined. */
  pendingProvisions: number;
  /** Engine timers and driver watchdogs pending (one runtime timer covers them all). */
  timers: number;
}

/**
 * The driver's phase: recovering (replaying a journal, see {@link LiveDriverOptions.recovering}),
 * running, draining (`stop({ drain: true })` waiting), or stopped.
 */
export type LiveDriverState = 'recovering' | 'running' | 'draining' | 'stopped';
