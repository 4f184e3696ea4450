/**
 * Lifecycle and the conservation ledger. Owns task records (creation, checked transitions and
 * their events), slots (taken and released, with the fleet's free-slot count), how an attempt
 * ends (abort, failure, retry or dead letter, cancellation) and settlement: a final task leaves
 * the live index, enters settled memory and is counted once in the tally, which keeps
 * submitted = completed + deadLettered + expired + cancelled + rejected + inFlight.
 *
 * May touch: task records, agents' load, the live index, settled memory, the tally, failure
 * memory; calls dispatch (to unqueue and refill), timers (to clear and retry), delegation (to
 * withdraw offers) and dependencies (to release dependents).
 */
import type { AgentRecord } from './agent.js';
import { withdrawAll } from './delegation.js';
import { releaseDependents } from './dependencies.js';
import { refill, unqueue } from './dispatch.js';
import type { EngineState } from './engineState.js';
import { pushCommand } from './inputs.js';
import { assertTransition } from './lifecycle.js';
import type { FailureReason, FinalTaskState, TaskRecord, TaskSpec, TaskState } from './task.js';
import { CompactTaskRecord } from './taskRecord.js';
import { clearTimer, scheduleRetry } from './timers.js';

/** The record of a task just submitted, in state `created`. */
export function newRecord(s: EngineState, spec: TaskSpec, now: number): TaskRecord {
  return new CompactTaskRecord(s, spec, s.tally.submitted, now, spec.maxRetries ?? s.config.retry.maxRetries);
}

/** A plain transition, reported as such. */
export function move(s: EngineState, task: TaskRecord, to: TaskState, now: number, agent?: AgentRecord, reason?: FailureReason): void {
  const from = enter(s, task, to);
  s.sink.transition(now, task, from, to, agent, reason);
}

/** Checks and makes a transition; returns the state left. The caller reports it. */
export function enter(s: EngineState, task: TaskRecord, to: TaskState): TaskState {
  const from = task.state;
  assertTransition(task.spec.id, from, to);
  task.state = to;
  return from;
}

/** Moves a task to a final state and settles it. */
export function finish(s: EngineState, task: TaskRecord, state: Exclude<FinalTaskState, 'completed'>, now: number, reason: FailureReason): void {
  task.failureReason = reason;
  move(s, task, state, now, undefined, reason);
  settle(s, task, state, now);
}

/** A task reached a final state: count it, forget it, release or cancel its dependents. */
export function settle(s: EngineState, task: TaskRecord, state: FinalTaskState, now: number): void {
  s.live.remove(task);
  s.settled.add(task.spec.id, state);
  countFinal(s, state);
  releaseDependents(s, task, state, now);
}

function countFinal(s: EngineState, state: FinalTaskState): void {
  switch (state) {
    case 'completed': s.tally.completed++; break;
    case 'dead-lettered': s.tally.deadLettered++; break;
    case 'expired': s.tally.expired++; break;
    case 'cancelled': s.tally.cancelled++; break;
    case 'rejected': s.tally.rejected++; break;
    default: {
      const unreachable: never = state;
      throw new Error(`unknown final state ${String(unreachable)}`);
    }
  }
}

/** `task` holds one of `agent`'s slots from now (assigned, offered or resumed): the inverse of {@link releaseSlot}. */
export function takeSlot(s: EngineState, task: TaskRecord, agent: AgentRecord): void {
  agent.active++;
  agent.outstandingTokens += task.spec.tokens;
  if (agent.accepting) s.fleet.freeSlots--;
  loadChanged(s, agent);
}

/** `task` gives back one of `agent`'s slots: the inverse of {@link takeSlot}. */
export function releaseSlot(s: EngineState, task: TaskRecord, agent: AgentRecord): void {
  agent.active--;
  agent.outstandingTokens -= task.spec.tokens;
  if (agent.accepting) {
    s.fleet.freeSlots++;
    s.poolDirty = true;
    if (agent.active === 0 && s.strategy.prewarm !== undefined) s.fallenIdle.push(agent);
  } else if (agent.draining && agent.active === 0) {
    s.drainCandidates.push(agent);
  }
  loadChanged(s, agent);
}

/** Tells the strategy that `agent`'s load changed (and the steal index, of its own queue). */
export function loadChanged(s: EngineState, agent: AgentRecord): void {
  s.stealIndex?.queueChanged(agent, s.fleet.lastQueued(agent));
  s.strategy.onAgentLoadChanged?.(agent, s.ctx);
}

/** Ends an attempt the driver is still running: abort it, free its slot, tell the strategy. */
export function endAttempt(s: EngineState, task: TaskRecord, agent: AgentRecord, reason: FailureReason): void {
  pushCommand(s, { kind: 'abort', taskId: task.spec.id, agentId: agent.spec.id, attempt: task.attempt, reason });
  clearTimer(s, task);
  if (task.state === 'paused') {
    // A paused task holds no slot, only the agent's attention while it drains.
    task.resumeReady = false;
    agent.paused--;
    if (agent.draining) s.drainCandidates.push(agent);
  } else {
    releaseSlot(s, task, agent);
  }
  s.strategy.onSettle?.(task, agent, { ok: false, reason }, s.ctx);
}

/** The current attempt failed with `reason`: retry after backoff, or dead-letter once retries are spent. */
export function failAttempt(s: EngineState, task: TaskRecord, agent: AgentRecord, reason: FailureReason, now: number): void {
  task.failureReason = reason;
  if (reason === 'agent-error' || reason === 'timeout' || reason === 'quality') s.failureMemory.recordFailure(agent.index, task.spec.type, now);
  move(s, task, 'failed', now, agent, reason);
  if (task.attempt > task.maxRetries) {
    finish(s, task, 'dead-lettered', now, reason);
    return;
  }
  move(s, task, 'retrying', now);
  scheduleRetry(s, task, now);
}

/** Cancels a task in any non-final state with `reason`, ending its attempt or withdrawing its offers. */
export function cancelTask(s: EngineState, task: TaskRecord, now: number, reason: FailureReason): void {
  switch (task.state) {
    case 'queued':
      unqueue(s, task);
      break;
    case 'assigned':
    case 'running':
    case 'paused': {
      const agent = s.fleet.agents[task.agentIndex]!;
      endAttempt(s, task, agent, reason);
      task.failureReason = reason;
      // The slot holder is named, so folds over events can release the right slot.
      move(s, task, 'cancelled', now, agent, reason);
      settle(s, task, 'cancelled', now);
      refill(s, agent, now);
      return;
    }
    case 'retrying':
      clearTimer(s, task);
      break;
    case 'offered':
      withdrawAll(s, task);
      break;
    default:
      break;
  }
  finish(s, task, 'cancelled', now, reason);
}
