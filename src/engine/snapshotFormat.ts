/**
 * The snapshot's shape: the engine's state between two inputs as plain JSON data
 * ({@link EngineSnapshot}) and its parts, with the number encoding JSON cannot do without
 * ({@link JsonNumber}), plus the engine's open work as a driver reads it after a restore
 * ({@link PendingTimer}, {@link OpenAttempt}, {@link OpenOffer}, {@link PendingProvision}).
 * Taking and restoring snapshots is in `snapshot.ts` and `snapshotRestore.ts`.
 */
import type { AgentSpec, AgentView } from './agent.js';
import type { TaskCounts } from './engine.js';
import type { FailureReason, FinalTaskState, RejectionReason, TaskId, TaskSpec, TaskState, TaskView } from './task.js';
import type { TenantCountersSnapshot } from './tenantCounters.js';
import type { TimerKind } from './timers.js';

/** A number in a snapshot: finite numbers as they are, NaN and ±Infinity as strings. */
export type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity';

/**
 * One live task. Its fields are spelt out rather than taken from `TaskView`: this is a format
 * kept on disk, which must not change when the in-memory view does.
 */
export interface TaskSnapshot {
  /** The task as submitted. */
  readonly spec: TaskSpec;
  /** A non-final state. */
  readonly state: TaskState;
  /** Submission order (the tie-breaker of every ordering). */
  readonly seq: number;
  /** Submission time (seconds). */
  readonly submittedAt: number;
  /** Attempts started so far. */
  readonly attempt: number;
  /** Agent holding it (its queue owner under early binding, or the agent running it), -1 for none. */
  readonly agentIndex: number;
  /** When the current attempt started running ('NaN' before the first start). */
  readonly startedAt: JsonNumber;
  /** Why the task last failed, if it did. */
  readonly failureReason?: FailureReason;
  /** Current priority: the submitted one until an operator sets another. */
  readonly priority: number;
  /** Offers made so far. */
  readonly offers: number;
  /** Why the last offer was turned down, if one was. */
  readonly rejectionReason?: RejectionReason;
  /** Agents holding an open offer of it (indices), while it is `offered`. */
  readonly offeredTo?: readonly number[];
  /** Agents that turned it down in the current round of offers. */
  readonly rejectedBy?: readonly number[];
  /** Paused, and free to resume once its agent has a free slot. */
  readonly resumeReady: boolean;
  /** Retries allowed after the first attempt. */
  readonly maxRetries: number;
  /** Dependencies not yet completed. */
  readonly unmetDependencies: number;
  /** Live tasks waiting on this one, in the order they are released. */
  readonly dependents: readonly TaskId[];
  /** Its pending timer's id, 0 when none. */
  readonly timerId: number;
}

/** One agent that ever joined (its position in `agents` is its index): the fields of its {@link AgentView}, `residentKeys` as a list. */
export interface AgentSnapshot {
  /** {@link AgentView.spec}: its declared shape. */
  readonly spec: AgentSpec;
  /** {@link AgentView.accepting}: in the fleet and free to be given work. */
  readonly accepting: boolean;
  /** {@link AgentView.draining}: finishing its work before leaving. */
  readonly draining: boolean;
  /** Gone from the fleet. */
  readonly left: boolean;
  /** {@link AgentView.paused}: tasks paused on it, holding no slot. */
  readonly paused: number;
  /** {@link AgentView.active}: tasks holding a slot (offered, assigned or running). */
  readonly active: number;
  /** {@link AgentView.queued}: tasks in its own queue (early binding). */
  readonly queued: number;
  /** {@link AgentView.outstandingTokens}: tokens of the tasks holding a slot or in its queue. */
  readonly outstandingTokens: number;
  /** {@link AgentView.contextUtilization}: share of its context window in use, as last reported. */
  readonly contextUtilization: number;
  /** {@link AgentView.residentKeys} as a list: the context keys resident on it, as last reported. */
  readonly residentKeys: readonly string[];
  /** {@link AgentView.observedAt}: when its context was last reported. */
  readonly observedAt: number;
  /** {@link AgentView.completed}: tasks it completed. */
  readonly completed: number;
}

/** A pending timer: a task's (TTL, timeout, retry backoff, offer timeout) or a pool's autoscaler evaluation. */
export type TimerSnapshot =
  | { readonly timerId: number; readonly at: JsonNumber; readonly kind: TimerKind; readonly taskId: TaskId }
  | { readonly timerId: number; readonly at: JsonNumber; readonly kind: 'autoscale'; readonly pool: string };

/** One autoscaled pool's scaler. */
export interface AutoscalerSnapshot {
  /** The autoscaled pool. */
  readonly pool: string;
  /** When it last acted ('-Infinity': never). */
  readonly lastActionAt: JsonNumber;
  /** Whether its evaluation timer is pending (false: asleep until the next submission or join). */
  readonly awake: boolean;
}

/** The engine's state between two inputs, as plain JSON data. */
export interface EngineSnapshot {
  /** Snapshot format version. */
  readonly version: 1;
  /** Time of the last input ('-Infinity' before any). */
  readonly lastNow: JsonNumber;
  /** The id the next timer gets. */
  readonly nextTimerId: number;
  /** `counts()` without `inFlight` (which is `tasks.length`). */
  readonly tally: Omit<TaskCounts, 'inFlight'>;
  /** Every agent that ever joined, by index. */
  readonly agents: readonly AgentSnapshot[];
  /** Free slots among accepting agents. */
  readonly freeSlots: number;
  /** Live tasks in submission order. */
  readonly tasks: readonly TaskSnapshot[];
  /** Queued tasks, in queue order: the pool, the held queue (paused types), and each agent's own (by index). */
  readonly queues: { readonly pool: readonly TaskId[]; readonly held: readonly TaskId[]; readonly agents: readonly (readonly TaskId[])[] };
  /** Blocked tasks waiting for ids not submitted yet, by that id, in registration order. */
  readonly waitingFor: readonly (readonly [TaskId, readonly TaskId[]])[];
  /** Settled ids remembered, oldest first. */
  readonly settled: readonly (readonly [TaskId, FinalTaskState])[];
  /** Pending timers by id. */
  readonly timers: readonly TimerSnapshot[];
  /** Task types an operator paused. */
  readonly pausedTypes: readonly string[];
  /** The `fair` order's virtual token counters (absent under the other orders). */
  readonly tenantCounters?: TenantCountersSnapshot;
  /** Paused tasks free to resume, in the order they resume. */
  readonly resumable: readonly TaskId[];
  /** Agents (indices) that found nothing to steal, in the order they try again. */
  readonly hungry: readonly number[];
  /** The pool changed since it was last bound (false between inputs, kept for completeness). */
  readonly poolDirty: boolean;
  /** Agents whose last slot freed and draining agents that may be done, not yet looked at (empty between inputs, kept for completeness). */
  readonly fallenIdle: readonly number[];
  /** Draining agents that may have run out of work (empty between inputs, kept for completeness). */
  readonly drainCandidates: readonly number[];
  /** Failure memory: `[key, expiry]` pairs in the order they are forgotten. */
  readonly failureMemory: readonly (readonly [string, JsonNumber])[];
  /** The ingress rate limit's bucket: tokens left and when it was last refilled. */
  readonly ingress: { readonly tokens: JsonNumber; readonly lastTime: JsonNumber };
  /** One entry per autoscaled pool. */
  readonly autoscalers: readonly AutoscalerSnapshot[];
  /** Agents asked for that have not joined, by pool. */
  readonly provisioning: readonly (readonly [string, number])[];
}

/** A pending engine timer, as a driver arms it. */
export interface PendingTimer {
  /** The engine's id of the timer. */
  readonly timerId: number;
  /** Due time, seconds on the driver's clock. */
  readonly at: number;
}

/** An attempt the engine waits on: told to start (`assigned`), running, or paused on its agent. */
export interface OpenAttempt {
  /** The task of the attempt. */
  readonly task: TaskView;
  /** The agent the attempt is on. */
  readonly agent: AgentView;
  /** The attempt's number (1 for the first), to quote in `started` and `finished`. */
  readonly attempt: number;
}

/** An offer the engine waits on an answer for. */
export interface OpenOffer {
  /** The task offered. */
  readonly task: TaskView;
  /** The agent it was offered to. */
  readonly agent: AgentView;
  /** The offer number to quote in `offerAnswered`. */
  readonly offer: number;
}

/** Agents an autoscaled pool asked for (`provision` commands) that have not joined yet. */
export interface PendingProvision {
  /** The autoscaled pool. */
  readonly pool: string;
  /** Agents asked for that have not joined. */
  readonly agents: number;
}

/** Writes a number so that JSON keeps it. */
export function jsonNumber(value: number): JsonNumber {
  return Number.isFinite(value) ? value : (String(value) as JsonNumber);
}

/** Reads a {@link JsonNumber} back. */
export function fromJsonNumber(value: JsonNumber): number {
  return typeof value === 'number' ? value : Number(value);
}
