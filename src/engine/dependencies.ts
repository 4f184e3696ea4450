/**
 * Dependencies and workflows. Owns the edges between tasks: cycle detection at submission,
 * linking a new task to its dependencies (or to ids not submitted yet, in `waitingFor`), each
 * edge's failure policy, and what a settled task does to its dependents (release, cancel or
 * cascade the failure).
 *
 * May touch: `unmetDependencies`, `dependents`, `waitingFor`; reads the live index and
 * settled memory; cancels, finishes and enqueues dependents through the ledger and dispatch.
 */
import { enqueue } from './dispatch.js';
import type { EngineState } from './engineState.js';
import { cancelTask, finish } from './ledger.js';
import { isFinal, type DependencyFailurePolicy, type FinalTaskState, type TaskId, type TaskRecord } from './task.js';

/** True when a new task's dependencies lead back to itself. */
export function dependsOnItself(s: EngineState, task: TaskRecord): boolean {
  const deps = task.spec.dependsOn;
  if (deps === undefined || deps.length === 0) return false;
  // Only tasks submitted earlier can wait on s one (through waitingFor, resolved just
  // before), so a cycle is a path from s task's dependencies back to itself.
  const stack: TaskRecord[] = [task];
  const seen = new Set<TaskRecord>();
  while (stack.length > 0) {
    const current = stack.pop()!;
    for (const id of current.spec.dependsOn ?? []) {
      if (id === task.spec.id) return true;
      const dep = s.live.get(id);
      if (dep !== undefined && dep.state === 'blocked' && !seen.has(dep)) {
        seen.add(dep);
        stack.push(dep);
      }
    }
  }
  return false;
}

/**
 * Counts unmet dependencies and registers as their dependent. When one already ended without
 * completing, returns what its edge says to do (`cancel` or `cascade-fail`); an `ignore` edge
 * counts as met.
 */
export function linkDependencies(s: EngineState, task: TaskRecord): Exclude<DependencyFailurePolicy, 'ignore'> | undefined {
  const deps = task.spec.dependsOn;
  if (deps === undefined) return undefined;
  for (const id of deps) {
    const dep = s.live.get(id);
    if (dep !== undefined) {
      task.unmetDependencies++;
      (dep.dependents ??= []).push(task);
      continue;
    }
    const final = s.settled.get(id);
    if (final === 'completed') continue;
    if (final !== undefined) {
      const policy = edgePolicy(s, task, id);
      if (policy === 'ignore') continue;
      return policy;
    }
    task.unmetDependencies++;
    const waiters = s.waitingFor.get(id);
    if (waiters === undefined) s.waitingFor.set(id, [task]);
    else waiters.push(task);
  }
  return undefined;
}

/** The failure policy of the edge from `task` to its dependency `dependencyId`. */
function edgePolicy(s: EngineState, task: TaskRecord, dependencyId: TaskId): DependencyFailurePolicy {
  return task.spec.dependencyPolicy?.[dependencyId] ?? s.config.dependencies.onFailure;
}

/** Tasks submitted earlier that named s id before it existed now wait on it directly. */
export function resolveWaiters(s: EngineState, task: TaskRecord): void {
  if (s.waitingFor.size === 0) return;
  const waiters = s.waitingFor.get(task.spec.id);
  if (waiters === undefined) return;
  s.waitingFor.delete(task.spec.id);
  task.dependents = waiters;
}

/** `task` settled in `state`: each dependent is released, or cancelled or failed as its edge says. */
export function releaseDependents(s: EngineState, task: TaskRecord, state: FinalTaskState, now: number): void {
  const dependents = task.dependents;
  // Most tasks have none: return before the write, which on a compact record is a setter call.
  if (dependents === undefined) return;
  task.dependents = undefined;
  for (const dependent of dependents) {
    if (isFinal(dependent.state)) continue;
    if (state !== 'completed') {
      const policy = edgePolicy(s, dependent, task.spec.id);
      if (policy === 'cancel') {
        cancelTask(s, dependent, now, 'dependency-failed');
        continue;
      }
      if (policy === 'cascade-fail') {
        // Dependents of a live dependency are still blocked (or being submitted).
        finish(s, dependent, 'dead-lettered', now, 'dependency-failed');
        continue;
      }
    }
    dependent.unmetDependencies--;
    if (dependent.unmetDependencies === 0 && dependent.state === 'blocked') enqueue(s, dependent, now);
  }
}
