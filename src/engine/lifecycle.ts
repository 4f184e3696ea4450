/**
 * The task lifecycle (docs/ARCHITECTURE.md, "Task lifecycle") as an explicit transition table. Every state
 * change in the engine goes through {@link assertTransition}: per change, or once when its module
 * loads where the input has just checked the state it leaves (an attempt's start and its
 * completion, a task's assignment from `queued` and its first queueing from `created`); anything
 * not in the table is a bug and throws with the task id and both states.
 */
import type { TaskId, TaskState } from './task.js';

const NON_FINAL_TO_CANCELLED: readonly TaskState[] = ['cancelled'];

/** Allowed next states for each state. Final states allow nothing. */
export const TRANSITIONS: Readonly<Record<TaskState, readonly TaskState[]>> = Object.freeze({
  // A dependency that failed under a cascade-fail edge dead-letters its dependents.
  created: ['blocked', 'queued', 'rejected', 'dead-lettered', ...NON_FINAL_TO_CANCELLED],
  blocked: ['queued', 'dead-lettered', ...NON_FINAL_TO_CANCELLED],
  queued: ['offered', 'assigned', 'expired', 'rejected', ...NON_FINAL_TO_CANCELLED],
  // A rejected offer returns the task to the pool; the last allowed rejection fails it.
  offered: ['assigned', 'queued', 'failed', ...NON_FINAL_TO_CANCELLED],
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

// One bit per state; the table becomes one mask per state, so the hot path checks a transition
// with two switches and an AND (a switch on interned strings compiles to pointer compares).
// The cases of a plain task's life come first, in its order: most lookups end at once.
function stateBit(state: TaskState): number {
  switch (state) {
    case 'created': return 1 << 0;
    case 'queued': return 1 << 2;
    case 'assigned': return 1 << 4;
    case 'running': return 1 << 5;
    case 'completed': return 1 << 9;
    case 'blocked': return 1 << 1;
    case 'offered': return 1 << 3;
    case 'paused': return 1 << 6;
    case 'failed': return 1 << 7;
    case 'retrying': return 1 << 8;
    case 'dead-lettered': return 1 << 10;
    case 'expired': return 1 << 11;
    case 'cancelled': return 1 << 12;
    case 'rejected': return 1 << 13;
    default: return 0;
  }
}

const STATES = Object.keys(TRANSITIONS) as TaskState[];
// Indexed by the bit's position (31 − clz32(bit)).
const ALLOWED_MASKS = Int32Array.from(
  [...STATES].sort((a, b) => stateBit(a) - stateBit(b)),
  (from) => TRANSITIONS[from].reduce((mask, to) => mask | stateBit(to), 0),
);

/** Thrown when code attempts a transition the lifecycle does not allow: always a bug. */
export class IllegalTransitionError extends Error {
  /**
   * The task, and the transition that was attempted.
   * @param taskId - the task; @param from - the state it was in; @param to - the state it was to enter.
   */
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
  const fromBit = stateBit(from);
  return fromBit !== 0 && (ALLOWED_MASKS[31 - Math.clz32(fromBit)]! & stateBit(to)) !== 0;
}

/** Throws {@link IllegalTransitionError} unless the lifecycle allows `from -> to`. */
export function assertTransition(taskId: TaskId, from: TaskState, to: TaskState): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(taskId, from, to);
}
