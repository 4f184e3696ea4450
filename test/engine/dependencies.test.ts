/**
 * What a dependency that ends without completing does to its dependents, edge by edge
 * (`dependencyPolicy` on the dependent's spec, by dependency id; edges not listed follow the
 * engine's `dependencies.onFailure`): `cascade-fail` dead-letters the dependent (and so on down
 * the graph), `cancel` cancels it, `ignore` treats the edge as met. Each test ends with
 * `assertAll` (conservation, legal history, engine/driver agreement).
 */
import { describe, expect, it } from 'vitest';
import type { DependencyFailurePolicy, TaskId, TaskState } from '../../src/engine/task.js';
import { Harness, type HarnessOptions } from '../support/harness.js';

/** Submitted task ids whose state (by the events) is `state`, sorted. */
function idsIn(h: Harness, state: TaskState): TaskId[] {
  return h.submitted.filter((id) => h.state(id) === state).sort();
}

/** One agent, failures dead-letter at once, the given default edge policy. */
function harness(onFailure: DependencyFailurePolicy, options: HarnessOptions = {}): Harness {
  return new Harness({ agents: [{ id: 'a' }], ...options, config: { dependencies: { onFailure }, ...options.config } });
}

/** Runs `id` (it must be the one waiting to start or already started) to a failure. */
function failNow(h: Harness, id: TaskId): void {
  h.drive();
  h.fail(id);
}

describe('cascade-fail', () => {
  it('dead-letters exactly the transitive dependents of a dead-lettered task; unrelated tasks complete', () => {
    // a -> b -> c, a -> d, and d + e -> g (one failed parent is enough); e -> f is unrelated.
    const h = harness('cascade-fail');
    h.submit({ id: 'a', maxRetries: 0 });
    h.submit({ id: 'b', dependsOn: ['a'] });
    h.submit({ id: 'c', dependsOn: ['b'] });
    h.submit({ id: 'd', dependsOn: ['a'] });
    h.submit({ id: 'e' });
    h.submit({ id: 'f', dependsOn: ['e'] });
    h.submit({ id: 'g', dependsOn: ['d', 'e'] });
    expect(['b', 'c', 'd', 'f', 'g'].map((id) => h.state(id))).toEqual(Array<TaskState>(5).fill('blocked'));
    failNow(h, 'a');
    h.runUntilQuiet();
    expect(idsIn(h, 'dead-lettered')).toEqual(['a', 'b', 'c', 'd', 'g']);
    expect(idsIn(h, 'completed')).toEqual(['e', 'f']);
    expect(h.lastTransition('a')!.reason).toBe('agent-error');
    for (const id of ['b', 'c', 'd', 'g']) {
      expect(h.path(id), id).toEqual(['created->blocked', 'blocked->dead-lettered']);
      expect(h.lastTransition(id)!.reason, id).toBe('dependency-failed');
    }
    expect(h.commandsOf('start').map((c) => c.taskId).sort()).toEqual(['a', 'e', 'f']);
    h.assertAll();
  });

  it('cascades from a dependency that expired, was cancelled or was rejected too', () => {
    const h = new Harness({ config: { dependencies: { onFailure: 'cascade-fail' }, ingress: { ratePerSecond: 0.001, burst: 5 } } });
    h.submit({ id: 'expiring', ttlSeconds: 1 });
    h.submit({ id: 'cancelled' });
    h.submit({ id: 'c1', dependsOn: ['expiring'] });
    h.submit({ id: 'c2', dependsOn: ['cancelled'] });
    h.submit({ id: 'c3', dependsOn: ['refused'] }); // a forward reference
    h.submit({ id: 'refused' }); // the ingress bucket is empty
    expect(h.lastTransition('refused')).toMatchObject({ to: 'rejected', reason: 'rate-limited' });
    h.cancel('cancelled');
    h.advance(1);
    for (const id of ['c1', 'c2', 'c3']) expect(h.lastTransition(id), id).toMatchObject({ to: 'dead-lettered', reason: 'dependency-failed' });
    h.assertAll();
  });
});

describe('cancel', () => {
  it('cancels the direct dependents of a failed task with dependency-failed, and their dependents in turn', () => {
    const h = harness('cancel');
    h.submit({ id: 'a', maxRetries: 0 });
    h.submit({ id: 'b', dependsOn: ['a'] });
    h.submit({ id: 'c', dependsOn: ['b'] });
    h.submit({ id: 'x' });
    failNow(h, 'a');
    expect(h.lastTransition('b')).toMatchObject({ from: 'blocked', to: 'cancelled', reason: 'dependency-failed' });
    expect(h.lastTransition('c')).toMatchObject({ from: 'blocked', to: 'cancelled', reason: 'dependency-failed' });
    h.runUntilQuiet();
    expect(idsIn(h, 'cancelled')).toEqual(['b', 'c']);
    expect(idsIn(h, 'completed')).toEqual(['x']);
    expect(h.engine.counts()).toMatchObject({ deadLettered: 1, cancelled: 2, completed: 1, inFlight: 0 });
    h.assertAll();
  });

  it('is the engine default', () => {
    const h = new Harness({ agents: [{ id: 'a' }] });
    h.submit({ id: 'a', maxRetries: 0 });
    h.submit({ id: 'b', dependsOn: ['a'] });
    failNow(h, 'a');
    expect(h.lastTransition('b')).toMatchObject({ to: 'cancelled', reason: 'dependency-failed' });
    h.assertAll();
  });
});

describe('ignore', () => {
  it('runs the dependent as if the failed edge were met', () => {
    const h = harness('ignore');
    h.submit({ id: 'a', maxRetries: 0 });
    h.submit({ id: 'b', dependsOn: ['a'] });
    h.submit({ id: 'c', dependsOn: ['b'] });
    expect(h.state('b')).toBe('blocked');
    failNow(h, 'a');
    expect(h.state('b')).toBe('assigned');
    h.runUntilQuiet();
    expect(idsIn(h, 'completed')).toEqual(['b', 'c']);
    expect(h.path('b')).toEqual(['created->blocked', 'blocked->queued', 'queued->assigned', 'assigned->running', 'running->completed']);
    h.assertAll();
  });

  it('still waits for the dependency to end: a retrying dependency keeps the dependent blocked', () => {
    const h = harness('ignore', { config: { retry: { maxRetries: 1, backoff: { jitter: 0 } } } });
    h.submit({ id: 'a' });
    h.submit({ id: 'b', dependsOn: ['a'] });
    failNow(h, 'a');
    expect(h.state('a')).toBe('retrying');
    expect(h.state('b')).toBe('blocked');
    h.advance(10);
    expect(h.state('a')).toBe('assigned'); // the retry
    expect(h.state('b')).toBe('blocked');
    failNow(h, 'a');
    expect(h.state('a')).toBe('dead-lettered');
    h.runUntilQuiet();
    expect(h.state('b')).toBe('completed');
    h.assertAll();
  });
});

describe('per-edge policies', () => {
  /** A task `t` on two dependencies x and y, x ignored and y cascading, under a `cancel` default. */
  function mixed(): Harness {
    const h = new Harness({ agents: [{ id: 'a', capacity: 2 }], config: { dependencies: { onFailure: 'cancel' } } });
    h.submit({ id: 'x', maxRetries: 0 });
    h.submit({ id: 'y', maxRetries: 0 });
    h.submit({ id: 't', dependsOn: ['x', 'y'], dependencyPolicy: { x: 'ignore', y: 'cascade-fail' } });
    h.drive();
    return h;
  }

  it('an ignore edge that fails and a cascade-fail edge that completes: the task runs', () => {
    const h = mixed();
    h.fail('x');
    expect(h.state('t')).toBe('blocked');
    h.finish('y');
    h.runUntilQuiet();
    expect(h.state('t')).toBe('completed');
    h.assertAll();
  });

  it('an ignore edge that completes and a cascade-fail edge that fails: the task is dead-lettered', () => {
    const h = mixed();
    h.finish('x');
    h.fail('y');
    expect(h.lastTransition('t')).toMatchObject({ from: 'blocked', to: 'dead-lettered', reason: 'dependency-failed' });
    h.assertAll();
  });

  it('both edges fail: the ignore edge counts as met, the cascade-fail edge dead-letters the task', () => {
    const h = mixed();
    h.fail('x');
    h.fail('y');
    expect(h.lastTransition('t')).toMatchObject({ to: 'dead-lettered', reason: 'dependency-failed' });
    h.assertAll();
  });

  it('an edge left out of dependencyPolicy follows the engine default', () => {
    const h = new Harness({ agents: [{ id: 'a', capacity: 2 }], config: { dependencies: { onFailure: 'cancel' } } });
    h.submit({ id: 'x', maxRetries: 0 });
    h.submit({ id: 'y', maxRetries: 0 });
    h.submit({ id: 't', dependsOn: ['x', 'y'], dependencyPolicy: { x: 'ignore' } });
    h.drive();
    h.fail('y');
    expect(h.lastTransition('t')).toMatchObject({ to: 'cancelled', reason: 'dependency-failed' });
    h.assertAll();
  });

  it('a cancel edge ending a task propagates along the next edge by that edge’s own policy', () => {
    // a -cancel-> b -cascade-fail-> c: b is cancelled, which fails c's edge.
    const h = harness('ignore');
    h.submit({ id: 'a', maxRetries: 0 });
    h.submit({ id: 'b', dependsOn: ['a'], dependencyPolicy: { a: 'cancel' } });
    h.submit({ id: 'c', dependsOn: ['b'], dependencyPolicy: { b: 'cascade-fail' } });
    h.submit({ id: 'd', dependsOn: ['b'] }); // default ignore: runs
    failNow(h, 'a');
    expect(h.lastTransition('b')).toMatchObject({ to: 'cancelled', reason: 'dependency-failed' });
    expect(h.lastTransition('c')).toMatchObject({ to: 'dead-lettered', reason: 'dependency-failed' });
    h.runUntilQuiet();
    expect(h.state('d')).toBe('completed');
    h.assertAll();
  });

  for (const [policy, expected] of [
    ['cascade-fail', { to: 'dead-lettered', reason: 'dependency-failed' }],
    ['cancel', { to: 'cancelled', reason: 'dependency-failed' }],
    ['ignore', { to: 'assigned' }],
  ] as const) {
    it(`a dependency that already failed before the dependent is submitted follows the edge's policy (${policy})`, () => {
      // The engine default is the opposite of what the edge says, so only the edge can explain the outcome.
      const h = harness(policy === 'ignore' ? 'cascade-fail' : 'ignore');
      h.submit({ id: 'dep', maxRetries: 0 });
      failNow(h, 'dep');
      h.submit({ id: 'late', dependsOn: ['dep'], dependencyPolicy: { dep: policy } });
      expect(h.lastTransition('late')).toMatchObject(expected);
      expect(h.path('late')[0]).toBe(policy === 'ignore' ? 'created->queued' : `created->${expected.to}`);
      h.runUntilQuiet();
      h.assertAll();
    });
  }

  it('a failed dependency named before a live one still ends the task at submission, and the live one later finds it settled', () => {
    const h = harness('cascade-fail', { agents: [{ id: 'a', capacity: 2 }] });
    h.submit({ id: 'gone', maxRetries: 0 });
    failNow(h, 'gone');
    h.submit({ id: 'live' });
    h.submit({ id: 't', dependsOn: ['live', 'gone'] });
    expect(h.lastTransition('t')).toMatchObject({ from: 'created', to: 'dead-lettered', reason: 'dependency-failed' });
    h.runUntilQuiet();
    expect(h.state('live')).toBe('completed');
    h.assertAll();
  });
});
