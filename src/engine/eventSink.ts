/**
 * Where the engine's events go. The engine reports every state change by calling an
 * {@link EventSink} synchronously, one positional method per kind of change, so that a fold
 * such as the metrics collector sees the stream without an object being built per event (the
 * simulator's hot path emits five events per task).
 *
 * {@link EventObjects} turns those calls back into {@link EngineEvent} objects, for the audit
 * log, for `Engine.pollEvent` and for tests. {@link replayEvent} goes the other way. The two are
 * inverses, so a sink sees the same stream whichever form it was delivered in.
 *
 * A sink is called in the middle of an input: it must not call back into the engine.
 */
import type { AgentView } from './agent.js';
import type { AdminOperation, EngineEvent } from './messages.js';
import type { FailureReason, RejectionReason, TaskId, TaskState, TaskView } from './task.js';

/**
 * Receives every engine event, in order. `task` is the engine's live record: read it during
 * the call (its `attempt` is the attempt the event is about), never keep it expecting it to
 * stay the same.
 */
export interface EventSink {
  /** A task was accepted (state `created`). */
  submitted(time: number, task: TaskView): void;
  /** A task entered `assigned`: bound to `agent`, which is asked to start it. */
  assigned(time: number, task: TaskView, from: TaskState, agent: AgentView, priorityRespected: boolean): void;
  /**
   * Attempt `attempt` of a task entered `running` on `agent`, having loaded `setupTokens` of
   * context; `contextBlocksHit`: how many of the task's `contextBlocks` were resident (when it has them).
   */
  started(time: number, task: TaskView, from: TaskState, agent: AgentView, attempt: number, setupTokens: number, contextHit: boolean | null, contextBlocksHit?: number): void;
  /** A task entered `completed` on `agent` with a result of the given quality. */
  completed(time: number, task: TaskView, from: TaskState, agent: AgentView, quality: number): void;
  /**
   * Any other transition. `agent` is set when the task gave up a slot on it (`failed`, and
   * `cancelled` from a slot); `reason` for `failed` and the final states other than `completed`.
   */
  transition(time: number, task: TaskView, from: TaskState, to: TaskState, agent: AgentView | undefined, reason: FailureReason | undefined): void;
  /** An agent joined the fleet. */
  agentJoined(time: number, agent: AgentView): void;
  /** An agent left the fleet. */
  agentLeft(time: number, agent: AgentView): void;
  /** A context was ordered loaded on an idle agent ahead of need. */
  prewarm(time: number, agent: AgentView, contextKey: string, contextTokens: number): void;
  /** A result came for an attempt that is no longer live: recorded, never applied. */
  staleResult(time: number, taskId: TaskId, attempt: number): void;
  /** `task` was offered to `agent` (a broadcast reports one call per agent). */
  offerMade(time: number, task: TaskView, agent: AgentView): void;
  /** `agent` answered an open offer of `task` (or it timed out: `offer-timeout`). */
  offerAnswered(time: number, task: TaskView, agent: AgentView, accepted: boolean, reason: RejectionReason | undefined): void;
  /** A broadcast claim by `agent` came after another agent's had won; its setup was wasted. */
  duplicateClaim(time: number, task: TaskView, agent: AgentView, setupTokens: number): void;
  /** An agent began draining: it finishes its work, takes no new work, then leaves. */
  agentDraining(time: number, agent: AgentView): void;
  /** An autoscaler acted on `pool`: `up` asked for an agent, `down` began draining `agent`. */
  scaled(time: number, pool: string, direction: 'up' | 'down', agent: AgentView | undefined): void;
  /** An operator's action was applied. */
  admin(time: number, operation: AdminOperation): void;
}

/** A sink that builds an {@link EngineEvent} object per call and hands it to `deliver`. */
export class EventObjects implements EventSink {
  /** @param deliver - receives each event object, in order. */
  constructor(private readonly deliver: (event: EngineEvent) => void) {}

  /** {@inheritDoc EventSink.submitted} */
  submitted(time: number, task: TaskView): void {
    this.deliver({ kind: 'submitted', time, task });
  }

  /** {@inheritDoc EventSink.assigned} */
  assigned(time: number, task: TaskView, from: TaskState, agent: AgentView, priorityRespected: boolean): void {
    this.deliver({ kind: 'transition', time, task, from, to: 'assigned', attempt: task.attempt, agent, priorityRespected });
  }

  /** {@inheritDoc EventSink.started} */
  started(time: number, task: TaskView, from: TaskState, agent: AgentView, attempt: number, setupTokens: number, contextHit: boolean | null, contextBlocksHit?: number): void {
    this.deliver({ kind: 'transition', time, task, from, to: 'running', attempt, agent, setupTokens, contextHit, contextBlocksHit });
  }

  /** {@inheritDoc EventSink.completed} */
  completed(time: number, task: TaskView, from: TaskState, agent: AgentView, quality: number): void {
    this.deliver({ kind: 'transition', time, task, from, to: 'completed', attempt: task.attempt, agent, quality });
  }

  /** {@inheritDoc EventSink.transition} */
  transition(time: number, task: TaskView, from: TaskState, to: TaskState, agent: AgentView | undefined, reason: FailureReason | undefined): void {
    this.deliver({ kind: 'transition', time, task, from, to, attempt: task.attempt, agent, reason });
  }

  /** {@inheritDoc EventSink.agentJoined} */
  agentJoined(time: number, agent: AgentView): void {
    this.deliver({ kind: 'agentJoined', time, agent });
  }

  /** {@inheritDoc EventSink.agentLeft} */
  agentLeft(time: number, agent: AgentView): void {
    this.deliver({ kind: 'agentLeft', time, agent });
  }

  /** {@inheritDoc EventSink.prewarm} */
  prewarm(time: number, agent: AgentView, contextKey: string, contextTokens: number): void {
    this.deliver({ kind: 'prewarm', time, agent, contextKey, contextTokens });
  }

  /** {@inheritDoc EventSink.staleResult} */
  staleResult(time: number, taskId: TaskId, attempt: number): void {
    this.deliver({ kind: 'staleResult', time, taskId, attempt });
  }

  /** {@inheritDoc EventSink.offerMade} */
  offerMade(time: number, task: TaskView, agent: AgentView): void {
    this.deliver({ kind: 'offerMade', time, task, agent });
  }

  /** {@inheritDoc EventSink.offerAnswered} */
  offerAnswered(time: number, task: TaskView, agent: AgentView, accepted: boolean, reason: RejectionReason | undefined): void {
    this.deliver(reason === undefined ? { kind: 'offerAnswered', time, task, agent, accepted } : { kind: 'offerAnswered', time, task, agent, accepted, reason });
  }

  /** {@inheritDoc EventSink.duplicateClaim} */
  duplicateClaim(time: number, task: TaskView, agent: AgentView, setupTokens: number): void {
    this.deliver({ kind: 'duplicateClaim', time, task, agent, setupTokens });
  }

  /** {@inheritDoc EventSink.agentDraining} */
  agentDraining(time: number, agent: AgentView): void {
    this.deliver({ kind: 'agentDraining', time, agent });
  }

  /** {@inheritDoc EventSink.scaled} */
  scaled(time: number, pool: string, direction: 'up' | 'down', agent: AgentView | undefined): void {
    this.deliver(agent === undefined ? { kind: 'scaled', time, pool, direction } : { kind: 'scaled', time, pool, direction, agent });
  }

  /** {@inheritDoc EventSink.admin} */
  admin(time: number, operation: AdminOperation): void {
    this.deliver({ kind: 'admin', time, operation });
  }
}

/** Several sinks fed the same stream, in the order given. */
export class TeeSink implements EventSink {
  /** @param sinks - called in order for every event. */
  constructor(private readonly sinks: readonly EventSink[]) {}

  /** {@inheritDoc EventSink.submitted} */
  submitted(time: number, task: TaskView): void {
    for (const sink of this.sinks) sink.submitted(time, task);
  }

  /** {@inheritDoc EventSink.assigned} */
  assigned(time: number, task: TaskView, from: TaskState, agent: AgentView, priorityRespected: boolean): void {
    for (const sink of this.sinks) sink.assigned(time, task, from, agent, priorityRespected);
  }

  /** {@inheritDoc EventSink.started} */
  started(time: number, task: TaskView, from: TaskState, agent: AgentView, attempt: number, setupTokens: number, contextHit: boolean | null, contextBlocksHit?: number): void {
    for (const sink of this.sinks) sink.started(time, task, from, agent, attempt, setupTokens, contextHit, contextBlocksHit);
  }

  /** {@inheritDoc EventSink.completed} */
  completed(time: number, task: TaskView, from: TaskState, agent: AgentView, quality: number): void {
    for (const sink of this.sinks) sink.completed(time, task, from, agent, quality);
  }

  /** {@inheritDoc EventSink.transition} */
  transition(time: number, task: TaskView, from: TaskState, to: TaskState, agent: AgentView | undefined, reason: FailureReason | undefined): void {
    for (const sink of this.sinks) sink.transition(time, task, from, to, agent, reason);
  }

  /** {@inheritDoc EventSink.agentJoined} */
  agentJoined(time: number, agent: AgentView): void {
    for (const sink of this.sinks) sink.agentJoined(time, agent);
  }

  /** {@inheritDoc EventSink.agentLeft} */
  agentLeft(time: number, agent: AgentView): void {
    for (const sink of this.sinks) sink.agentLeft(time, agent);
  }

  /** {@inheritDoc EventSink.prewarm} */
  prewarm(time: number, agent: AgentView, contextKey: string, contextTokens: number): void {
    for (const sink of this.sinks) sink.prewarm(time, agent, contextKey, contextTokens);
  }

  /** {@inheritDoc EventSink.staleResult} */
  staleResult(time: number, taskId: TaskId, attempt: number): void {
    for (const sink of this.sinks) sink.staleResult(time, taskId, attempt);
  }

  /** {@inheritDoc EventSink.offerMade} */
  offerMade(time: number, task: TaskView, agent: AgentView): void {
    for (const sink of this.sinks) sink.offerMade(time, task, agent);
  }

  /** {@inheritDoc EventSink.offerAnswered} */
  offerAnswered(time: number, task: TaskView, agent: AgentView, accepted: boolean, reason: RejectionReason | undefined): void {
    for (const sink of this.sinks) sink.offerAnswered(time, task, agent, accepted, reason);
  }

  /** {@inheritDoc EventSink.duplicateClaim} */
  duplicateClaim(time: number, task: TaskView, agent: AgentView, setupTokens: number): void {
    for (const sink of this.sinks) sink.duplicateClaim(time, task, agent, setupTokens);
  }

  /** {@inheritDoc EventSink.agentDraining} */
  agentDraining(time: number, agent: AgentView): void {
    for (const sink of this.sinks) sink.agentDraining(time, agent);
  }

  /** {@inheritDoc EventSink.scaled} */
  scaled(time: number, pool: string, direction: 'up' | 'down', agent: AgentView | undefined): void {
    for (const sink of this.sinks) sink.scaled(time, pool, direction, agent);
  }

  /** {@inheritDoc EventSink.admin} */
  admin(time: number, operation: AdminOperation): void {
    for (const sink of this.sinks) sink.admin(time, operation);
  }
}

/**
 * Delivers an event object to a sink as the engine would have: the inverse of
 * {@link EventObjects}. Throws when a transition lacks a field its method needs.
 */
export function replayEvent(event: EngineEvent, sink: EventSink): void {
  switch (event.kind) {
    case 'submitted':
      return sink.submitted(event.time, event.task);
    case 'transition': {
      const { time, task, from, to, agent } = event;
      switch (to) {
        case 'assigned':
          return sink.assigned(time, task, from, required(agent, event), event.priorityRespected ?? false);
        case 'running':
          return sink.started(time, task, from, required(agent, event), event.attempt, event.setupTokens ?? 0, event.contextHit ?? null, event.contextBlocksHit);
        case 'completed':
          return sink.completed(time, task, from, required(agent, event), required(event.quality, event));
        default:
          return sink.transition(time, task, from, to, agent, event.reason);
      }
    }
    case 'agentJoined':
      return sink.agentJoined(event.time, event.agent);
    case 'agentLeft':
      return sink.agentLeft(event.time, event.agent);
    case 'prewarm':
      return sink.prewarm(event.time, event.agent, event.contextKey, event.contextTokens);
    case 'staleResult':
      return sink.staleResult(event.time, event.taskId, event.attempt);
    case 'offerMade':
      return sink.offerMade(event.time, event.task, event.agent);
    case 'offerAnswered':
      return sink.offerAnswered(event.time, event.task, event.agent, event.accepted, event.reason);
    case 'duplicateClaim':
      return sink.duplicateClaim(event.time, event.task, event.agent, event.setupTokens);
    case 'agentDraining':
      return sink.agentDraining(event.time, event.agent);
    case 'scaled':
      return sink.scaled(event.time, event.pool, event.direction, event.agent);
    case 'admin':
      return sink.admin(event.time, event.operation);
    default: {
      const unreachable: never = event;
      throw new Error(`unknown event ${JSON.stringify(unreachable)}`);
    }
  }
}

function required<T>(value: T | undefined, event: EngineEvent & { kind: 'transition' }): T {
  if (value === undefined) throw new Error(`transition of task ${event.task.spec.id} to ${event.to} lacks a detail it needs`);
  return value;
}
