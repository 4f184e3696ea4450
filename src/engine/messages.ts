/**
 * The engine's three message families, as discriminated unions:
 * - inputs: what happened, always with the time it happened (`now`);
 * - commands: what the engine asks the driver to do (start, abort, set or cancel a timer);
 * - events: every state change, the audit log that metrics fold over.
 */
import type { AgentSpec, AgentView } from './agent.js';
import type { AgentId, FailureReason, RejectionReason, TaskId, TaskSpec, TaskState, TaskView } from './task.js';

/** What a driver observed of an agent's context, reported with a start or a finish. */
export interface AgentReport {
  /** Share of the context window in use, in [0, 1]. */
  readonly contextUtilization: number;
  /** Context keys resident now. Pass the same set object again when nothing changed. */
  readonly residentKeys: ReadonlySet<string>;
}

/** What a driver reports when an attempt actually starts on its agent. */
export interface StartReport {
  /** Tokens the agent spent loading context before the work (0 on a hit). */
  readonly setupTokens: number;
  /** Whether the task's contextKey was resident; null when the task has none. */
  readonly contextHit: boolean | null;
  /** For a task with `contextBlocks`: how many of them were resident (the leading run loaded from cache). */
  readonly contextBlocksHit?: number;
  /** The agent's context after loading, when the driver observes it. */
  readonly agent?: AgentReport;
}

/** How an attempt ended. */
export type Outcome =
  | { readonly ok: true; readonly quality: number; readonly agent?: AgentReport }
  | { readonly ok: false; readonly reason: FailureReason; readonly agent?: AgentReport };

/** An agent's answer to an offer. */
export type OfferAnswer =
  | { readonly accepted: true }
  | {
      /** Turned down. */
      readonly accepted: false;
      /** Why it was turned down. */
      readonly reason: Exclude<RejectionReason, 'offer-timeout' | 'agent-lost'>;
    };

/**
 * An operator's action on a running fleet (scenario `operations`, or a live admin call).
 * `add` and `remove` are {@link Engine.agentJoined} and {@link Engine.agentLeft}.
 */
export type AdminOperation =
  | { readonly op: 'pause-type'; readonly type: string }
  | { readonly op: 'resume-type'; readonly type: string }
  | { readonly op: 'drain'; readonly agentId: AgentId }
  | { readonly op: 'set-priority'; readonly taskId: TaskId; readonly priority: number }
  | { readonly op: 'pause'; readonly taskId: TaskId }
  | { readonly op: 'resume'; readonly taskId: TaskId };

/** Every input the engine accepts; {@link Engine.handle} dispatches on `kind`. */
export type EngineInput =
  | { readonly kind: 'submit'; readonly now: number; readonly task: TaskSpec }
  | { readonly kind: 'started'; readonly now: number; readonly taskId: TaskId; readonly attempt: number; readonly report: StartReport }
  | { readonly kind: 'finished'; readonly now: number; readonly taskId: TaskId; readonly attempt: number; readonly outcome: Outcome }
  | { readonly kind: 'timer'; readonly now: number; readonly timerId: number }
  | {
      /** `agentJoined`: the agent joins the fleet (in a pool the engine waits for, as the agent it asked for). */
      readonly kind: 'agentJoined';
      /** When it joined. */
      readonly now: number;
      /** Its spec. */
      readonly agent: AgentSpec;
      /**
       * The live driver's number of the provision the agent answers (its provision book), logged so
       * that a recovery knows which provisions are still pending. The engine ignores it.
       */
      readonly provision?: number;
    }
  | { readonly kind: 'agentLeft'; readonly now: number; readonly agentId: AgentId }
  | { readonly kind: 'cancel'; readonly now: number; readonly taskId: TaskId }
  | { readonly kind: 'offerAnswered'; readonly now: number; readonly taskId: TaskId; readonly agentId: AgentId; readonly offer: number; readonly answer: OfferAnswer; readonly setupTokens: number }
  | { readonly kind: 'admin'; readonly now: number; readonly operation: AdminOperation };

/** What the engine asks its driver to do. */
export type Command =
  | {
      /** `start`: run an attempt of the task on the agent. */
      readonly kind: 'start';
      /** The task to start. */
      readonly task: TaskView;
      /** The agent to run it. */
      readonly agent: AgentView;
      /** Its attempt number. */
      readonly attempt: number;
    }
  | { readonly kind: 'abort'; readonly taskId: TaskId; readonly agentId: AgentId; readonly attempt: number; readonly reason: FailureReason }
  | { readonly kind: 'setTimer'; readonly timerId: number; readonly at: number }
  /** Load a context on an idle agent ahead of need (a strategy's pre-warming). */
  | { readonly kind: 'prewarm'; readonly agent: AgentView; readonly contextKey: string; readonly contextTokens: number }
  | { readonly kind: 'cancelTimer'; readonly timerId: number }
  /** Offer `task` to `agent`; answer with `offerAnswered` quoting `offer`. */
  | { readonly kind: 'offer'; readonly task: TaskView; readonly agent: AgentView; readonly offer: number }
  /** The offer is no longer open (another agent claimed it, or it timed out): stop preparing for it. */
  | { readonly kind: 'withdraw'; readonly taskId: TaskId; readonly agentId: AgentId; readonly offer: number }
  /** Suspend the running attempt; the agent keeps its context. The slot is free from now. */
  | { readonly kind: 'pause'; readonly task: TaskView; readonly agent: AgentView; readonly attempt: number }
  /** Continue the paused attempt where it stopped; it holds a slot again from now. */
  | { readonly kind: 'resume'; readonly task: TaskView; readonly agent: AgentView; readonly attempt: number }
  /** Start a new agent for an autoscaled pool; it joins (`agentJoined`) once it is ready. */
  | { readonly kind: 'provision'; readonly pool: string }
  /** The agent has left the fleet (drained or removed): the driver may shut it down. */
  | { readonly kind: 'retire'; readonly agentId: AgentId };

/**
 * A task changed state. The detail fields are set for the transitions they describe:
 * - to `assigned`: `agent`, `priorityRespected`;
 * - to `running`: `agent`, `setupTokens`, `contextHit` (and `contextBlocksHit` for a task with `contextBlocks`);
 * - to `completed`: `agent`, `quality`;
 * - to `failed`, `dead-lettered`, `expired`, `cancelled`, `rejected`: `reason`
 *   (and `agent` for `failed`).
 */
export interface TaskTransitionEvent {
  /** Always `transition`. */
  readonly kind: 'transition';
  /** When it happened (seconds). */
  readonly time: number;
  /** The task. */
  readonly task: TaskView;
  /** State it left. */
  readonly from: TaskState;
  /** State it entered. */
  readonly to: TaskState;
  /** The task's attempt number at the transition. */
  readonly attempt: number;
  /** The agent concerned (see the list above). */
  readonly agent?: AgentView;
  /** Why it failed or ended (see the list above). */
  readonly reason?: FailureReason;
  /** To `assigned`: whether no more urgent task was waiting (priority-respect accounting). */
  readonly priorityRespected?: boolean;
  /** To `running`: tokens spent loading context. */
  readonly setupTokens?: number;
  /** To `running`: whether the context was resident (null: the task has none). */
  readonly contextHit?: boolean | null;
  /** To `running`: leading context blocks found resident. */
  readonly contextBlocksHit?: number;
  /** To `completed`: the result's quality, in [0, 1]. */
  readonly quality?: number;
}

/** Every event the engine emits. */
export type EngineEvent =
  | { readonly kind: 'submitted'; readonly time: number; readonly task: TaskView }
  | TaskTransitionEvent
  | { readonly kind: 'agentJoined'; readonly time: number; readonly agent: AgentView }
  | { readonly kind: 'agentLeft'; readonly time: number; readonly agent: AgentView }
  /** The engine asked for a context to be loaded on an idle agent (its tokens are setup). */
  | { readonly kind: 'prewarm'; readonly time: number; readonly agent: AgentView; readonly contextKey: string; readonly contextTokens: number }
  | { readonly kind: 'offerMade'; readonly time: number; readonly task: TaskView; readonly agent: AgentView }
  | { readonly kind: 'offerAnswered'; readonly time: number; readonly task: TaskView; readonly agent: AgentView; readonly accepted: boolean; readonly reason?: RejectionReason }
  /** A broadcast claim that lost to an earlier one: its setup was spent for nothing. */
  | { readonly kind: 'duplicateClaim'; readonly time: number; readonly task: TaskView; readonly agent: AgentView; readonly setupTokens: number }
  | { readonly kind: 'agentDraining'; readonly time: number; readonly agent: AgentView }
  /** An autoscaler acted: `up` asked for a new agent of `pool`, `down` began draining `agent`. */
  | { readonly kind: 'scaled'; readonly time: number; readonly pool: string; readonly direction: 'up' | 'down'; readonly agent?: AgentView }
  /** An operator's action was applied. */
  | { readonly kind: 'admin'; readonly time: number; readonly operation: AdminOperation }
  /** A result for an attempt that is no longer running (it timed out or was cancelled): recorded, never applied. */
  | {
      /** Always `staleResult`. */
      readonly kind: 'staleResult';
      /** When the result arrived (seconds). */
      readonly time: number;
      /** The task. */
      readonly taskId: TaskId;
      /** The attempt the result was for. */
      readonly attempt: number;
    };

/** Event kinds, for exhaustive switches. */
export type EngineEventKind = EngineEvent['kind'];
