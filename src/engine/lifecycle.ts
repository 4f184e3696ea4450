/**
 * The task lifecycle of DESIGN.md section 2 as an explicit transition table. Every state
 * change in the engine goes through {@link assertTransition}; anything not in the table is a
 * bug and throws with the task id and both states.
 */
import type { TaskId, TaskState } from './task.js';

const NON_FINAL_TO_CANCELLED: readonly TaskState[] = ['cancelled'];

/** Allowed next states for each state. Final states allow nothing. */
export const TRANSITIONS: Readonly<Record<TaskState, readonly TaskState[]>> = Object.freeze({
  created: ['blocked', 'queued', 'rejected', ...NON_FINAL_TO_CANCELLED],
  blocked: ['queued', ...NON_FINAL_TO_CANCELLED],
  queued: ['offered', 'assigned', 'expired', 'rejected', ...NON_FINAL_TO_CANCELLED],
  // A rejected offer returns the task to the pool.
  offered: ['assigned', 'queued', ...NON_FINAL_TO_CANCELLED],
  // An assignment whose agent leaves before starting fails like a lost attempt.
  assigned: ['running', 'failed', ...NON_FINAL_TO_CANCELLED],
  running: ['completed', 'paused', 'failed', ...NON_FINAL_TO_CANCELLED],
  paused: ['running', 'failed', ...NON_FINAL_TO_CANCELLED],
  failed: ['retrying', 'dead-lettered', ...NON_FINAL_TO_CANCELLED],
  retrying: ['queued', ...NON_FINAL_TO_CANCELLED],
  completed: [],
  'dead-lettered': [],
  expired: [],
  cancelled: [],
  rejected: [],
});

// One bit per target state, so the hot path checks a transition with one AND.
const STATE_BITS = new Map<TaskState, number>(
  (Object.keys(TRANSITIONS) as TaskState[]).map((state, i) => [state, 1 << i]),
);
const ALLOWED_MASK = new Map<TaskState, number>(
  (Object.keys(TRANSITIONS) as TaskState[]).map((state) => [
    state,
    TRANSITIONS[state].reduce((mask, to) => mask | STATE_BITS.get(to)!, 0),
  ]),
);

/** Thrown when code attempts a transition the lifecycle does not allow: always a bug. */
export class IllegalTransitionError extends Error {
  /** The task, and the transition that was attempted. */
  constructor(
    readonly taskId: TaskId,
    readonly from: TaskState,
    readonly to: TaskState,
  ) {
    super(`illegal transition of task ${taskId}: ${from} -> ${to}`);
    this.name = 'IllegalTransitionError';
  }
}

/** True when the lifecycle allows `from -> to`. */
export function canTransition(from: TaskState, to: TaskState): boolean {
  return (ALLOWED_MASK.get(from)! & STATE_BITS.get(to)!) !== 0;
}

/** Throws {@link IllegalTransitionError} unless the lifecycle allows `from -> to`. */
export function assertTransition(taskId: TaskId, from: TaskState, to: TaskState): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(taskId, from, to);
}
