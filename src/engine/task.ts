/**
 * The task model: what a submitter hands the engine ({@link TaskSpec}) and what the engine
 * keeps about it while it lives ({@link TaskRecord}, read by strategies as {@link TaskView}).
 *
 * All times are seconds on the driver's clock (simulated or real); the engine never reads one.
 */

/** Identifier of a task, unique among the tasks an engine knows. */
export type TaskId = string;

/** Identifier of an agent, unique in a fleet. */
export type AgentId = string;

/** Highest-urgency priority (critical). */
export const PRIORITY_CRITICAL = 0;
/** Lowest-urgency priority (backlog). */
export const PRIORITY_BACKLOG = 4;
/** Number of priority levels, 0 (critical) … 4 (backlog). */
export const PRIORITY_LEVELS = 5;

/** What a submitter hands the engine. Plain data; the engine never mutates it. */
export interface TaskSpec {
  /** Unique id. */
  readonly id: TaskId;
  /** Domain of the work (code, review, research…); matched against agent skills. */
  readonly type: string;
  /** 0 = critical … 4 = backlog; an integer. */
  readonly priority: number;
  /** Size of the work in tokens. */
  readonly tokens: number;
  /** What the task needs resident (module, session, prompt prefix), if anything. */
  readonly contextKey?: string;
  /** Size of the context the task needs resident, in tokens (0 when none). */
  readonly contextTokens: number;
  /**
   * The context as a prompt prefix of blocks (ids in prompt order, as Mooncake's `hash_ids`):
   * an agent loads only the blocks after the longest leading run it holds, and a context hit is
   * counted per block. Each block is `contextBlockTokens` tokens, the last one what is left of
   * `contextTokens`.
   */
  readonly contextBlocks?: readonly number[];
  /** Tokens of one block of `contextBlocks`. */
  readonly contextBlockTokens?: number;
  /** A request a replayed trace records as failed: every simulated attempt fails (agent-error). */
  readonly traceFailed?: boolean;
  /** Absolute time (seconds) by which the task should complete, if any. */
  readonly deadline?: number;
  /** Tasks that must complete before this one may be queued. */
  readonly dependsOn?: readonly TaskId[];
  /**
   * What a dependency that ends without completing does to this task, per edge (by the
   * dependency's id); edges not listed follow the engine's `dependencies.onFailure`.
   */
  readonly dependencyPolicy?: Readonly<Record<TaskId, DependencyFailurePolicy>>;
  /** The task this one was split from, if any. */
  readonly parentId?: TaskId;
  /** The workflow (request) this task belongs to, for end-to-end workflow metrics. */
  readonly workflowId?: string;
  /**
   * Who submitted it (a team, a customer): the unit the `fair` queue order shares service
   * between, and the class of the per-tenant metrics. Tasks without one share the tenant "".
   */
  readonly tenant?: string;
  /** Direct assignment: the agent that must run it. */
  readonly assignee?: AgentId;
  /** Free-form labels (pools, capabilities). */
  readonly tags?: readonly string[];
  /** Retries after the first attempt; the engine's default applies when absent. */
  readonly maxRetries?: number;
  /** Longest a single attempt may run before it fails with reason `timeout`. */
  readonly timeoutSeconds?: number;
  /** Longest the task may wait queued and unassigned before it expires. */
  readonly ttlSeconds?: number;
}

/**
 * What happens to a dependent when one of its dependencies ends without completing:
 * `cascade-fail` dead-letters it (and so on down the graph, edge by edge), `cancel` cancels it,
 * `ignore` treats the edge as met.
 */
export type DependencyFailurePolicy = 'cascade-fail' | 'cancel' | 'ignore';

/** Every {@link DependencyFailurePolicy}, for the validators of scenarios, traces and requests. */
export const DEPENDENCY_FAILURE_POLICIES = ['cascade-fail', 'cancel', 'ignore'] as const satisfies readonly DependencyFailurePolicy[];

/**
 * Every state of the task lifecycle (transitions in lifecycle.ts). Final states: completed,
 * dead-lettered, expired, cancelled, rejected.
 */
export type TaskState =
  | 'created'
  | 'blocked'
  | 'queued'
  | 'offered'
  | 'assigned'
  | 'running'
  | 'paused'
  | 'failed'
  | 'retrying'
  | 'completed'
  | 'dead-lettered'
  | 'expired'
  | 'cancelled'
  | 'rejected';

/** The five states a task never leaves. */
export type FinalTaskState = 'completed' | 'dead-lettered' | 'expired' | 'cancelled' | 'rejected';

/** Why an attempt failed or a task ended without completing. */
export type FailureReason =
  | 'agent-error'
  | 'timeout'
  | 'agent-lost'
  | 'quality'
  | 'rejected'
  | 'rate-limited'
  | 'ttl'
  | 'backpressure'
  | 'shed'
  | 'admission'
  | 'dependency-cycle'
  | 'dependency-failed'
  | 'cancelled-by-request';

/**
 * Why an agent turned an offer down, as its driver reports it; `offer-timeout` when it did
 * not answer in time and the engine withdrew the offer, `agent-lost` when it left first.
 */
export type RejectionReason = 'lacks-skill' | 'overloaded' | 'context-full' | 'declined' | 'offer-timeout' | 'agent-lost';

/**
 * What strategies and drivers may read about a live task. It is the engine's own record,
 * typed read-only: reading it costs nothing, and it must not be kept past the call.
 */
export interface TaskView {
  /** What was submitted. */
  readonly spec: TaskSpec;
  /** Current lifecycle state. */
  readonly state: TaskState;
  /** Submission order, 0-based: the final tie-breaker of every ordering. */
  readonly seq: number;
  /** When the engine accepted the submission. */
  readonly submittedAt: number;
  /** Attempts started so far (1 while the first attempt runs). */
  readonly attempt: number;
  /** Agent holding the task: its queue owner (early binding), or the agent running it. */
  readonly agentIndex: number;
  /** When the current attempt started running (NaN before the first start). */
  readonly startedAt: number;
  /** Why the task last failed, if it did. */
  readonly failureReason: FailureReason | undefined;
  /** Current priority: the submitted one until an operator sets another. */
  readonly priority: number;
  /** Offers made so far (offer and broadcast delegation; a broadcast counts once). */
  readonly offers: number;
  /** Why the last offer was turned down, if one was. */
  readonly rejectionReason: RejectionReason | undefined;
}

/** The engine's mutable record of one task. Internal to `src/engine`. */
export interface TaskRecord extends TaskView {
  /** The engine that keeps this record (drivers may hand the view back instead of the id). */
  readonly owner: object;
  /** See {@link TaskView.state}. */
  state: TaskState;
  /** See {@link TaskView.attempt}. */
  attempt: number;
  /** See {@link TaskView.agentIndex}. */
  agentIndex: number;
  /** See {@link TaskView.startedAt}. */
  startedAt: number;
  /** See {@link TaskView.failureReason}. */
  failureReason: FailureReason | undefined;
  /** See {@link TaskView.priority}. */
  priority: number;
  /** See {@link TaskView.offers}. */
  offers: number;
  /** See {@link TaskView.rejectionReason}. */
  rejectionReason: RejectionReason | undefined;
  /** Agents holding an open offer of this task (indices), while it is `offered`. */
  offeredTo: number[] | undefined;
  /** Agents that turned it down in the current round of offers; they are not offered it again. */
  rejectedBy: number[] | undefined;
  /** Paused and free to resume as soon as its agent has a free slot. */
  resumeReady: boolean;
  /** Retries allowed after the first attempt, resolved at submission. */
  readonly maxRetries: number;
  /** Unfinished dependencies. */
  unmetDependencies: number;
  /** Tasks waiting on this one. */
  dependents: TaskRecord[] | undefined;
  /** Which queue holds it (undefined when it is in none) and under which entry number. */
  queueEntry: number;
  /**
   * The task's pending timer, or 0. One field serves: each timer belongs to a state that
   * excludes the others (ttl while queued, timeout while running, backoff while retrying).
   */
  timerId: number;
  /** Slot in the engine's live index (-1 once removed), so removal needs no hashing. */
  liveSlot: number;
}

/** True for the five final states. */
export function isFinal(state: TaskState): state is FinalTaskState {
  return (
    state === 'completed' ||
    state === 'dead-lettered' ||
    state === 'expired' ||
    state === 'cancelled' ||
    state === 'rejected'
  );
}
