import { describe, expect, it } from 'vitest';
import { IllegalTransitionError, TRANSITIONS, assertTransition, canTransition } from '../../src/engine/lifecycle.js';
import { isFinal, type TaskState } from '../../src/engine/task.js';

const ALL_STATES = Object.keys(TRANSITIONS) as TaskState[];
const FINAL_STATES: TaskState[] = ['completed', 'dead-lettered', 'expired', 'cancelled', 'rejected'];
const NON_FINAL_STATES = ALL_STATES.filter((s) => !FINAL_STATES.includes(s));

/** Every arrow of the task lifecycle, written out by hand (not read from the table). */
const LIFECYCLE_ARROWS: [TaskState, TaskState][] = [
  ['created', 'blocked'],
  ['blocked', 'queued'],
  ['created', 'queued'], // a task without dependencies goes straight to the pool
  ['queued', 'offered'],
  ['offered', 'assigned'],
  ['offered', 'queued'], // a rejected offer returns to queued
  ['queued', 'assigned'],
  ['assigned', 'running'],
  ['running', 'completed'],
  ['running', 'paused'],
  ['paused', 'running'],
  ['running', 'failed'],
  ['failed', 'retrying'],
  ['retrying', 'queued'],
  ['failed', 'dead-lettered'],
  ['queued', 'expired'],
  ['queued', 'rejected'],
  ['created', 'rejected'],
  ...NON_FINAL_STATES.map((s): [TaskState, TaskState] => [s, 'cancelled']),
];

describe('task lifecycle', () => {
  it('knows exactly the fourteen states of the design', () => {
    expect(ALL_STATES.sort()).toEqual(
      ['assigned', 'blocked', 'cancelled', 'completed', 'created', 'dead-lettered', 'expired', 'failed', 'offered', 'paused', 'queued', 'rejected', 'retrying', 'running'],
    );
  });

  it('agrees with isFinal on which states are final', () => {
    for (const state of ALL_STATES) expect(isFinal(state), state).toBe(FINAL_STATES.includes(state));
  });

  it.each(FINAL_STATES)('allows nothing out of the final state %s', (from) => {
    expect(TRANSITIONS[from]).toEqual([]);
    for (const to of ALL_STATES) expect(canTransition(from, to), `${from} -> ${to}`).toBe(false);
  });

  it.each(LIFECYCLE_ARROWS)('allows the lifecycle arrow %s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition('t', from, to)).not.toThrow();
  });

  it('lets every non-final state be cancelled', () => {
    for (const from of NON_FINAL_STATES) expect(canTransition(from, 'cancelled'), from).toBe(true);
  });

  it('agrees with its own table for every pair of states', () => {
    for (const from of ALL_STATES) {
      for (const to of ALL_STATES) expect(canTransition(from, to), `${from} -> ${to}`).toBe(TRANSITIONS[from].includes(to));
    }
  });

  it('allows no self-transition', () => {
    for (const state of ALL_STATES) expect(canTransition(state, state), state).toBe(false);
  });

  it('never returns to created', () => {
    for (const from of ALL_STATES) expect(canTransition(from, 'created'), from).toBe(false);
  });

  it.each<[TaskState, TaskState]>([
    ['created', 'running'],
    ['queued', 'running'],
    ['queued', 'completed'],
    ['blocked', 'assigned'],
    ['running', 'queued'],
    ['failed', 'queued'],
    ['retrying', 'assigned'],
    ['running', 'expired'],
    ['assigned', 'expired'],
    ['running', 'rejected'],
    ['completed', 'queued'],
    ['dead-lettered', 'retrying'],
    ['cancelled', 'cancelled'],
  ])('rejects %s -> %s with an error naming the task and both states', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    let caught: unknown;
    try {
      assertTransition('task-42', from, to);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(IllegalTransitionError);
    const error = caught as IllegalTransitionError;
    expect(error.name).toBe('IllegalTransitionError');
    expect(error.taskId).toBe('task-42');
    expect(error.from).toBe(from);
    expect(error.to).toBe(to);
    expect(error.message).toContain('task-42');
    expect(error.message).toContain(`${from} -> ${to}`);
  });

  it('allows nothing from or to a state it does not know', () => {
    const bogus = 'bogus' as TaskState;
    for (const state of ALL_STATES) {
      expect(canTransition(bogus, state)).toBe(false);
      expect(canTransition(state, bogus)).toBe(false);
    }
  });

  it('freezes the table so no one can widen the lifecycle at run time', () => {
    expect(Object.isFrozen(TRANSITIONS)).toBe(true);
  });
});
