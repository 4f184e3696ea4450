/**
 * Failure handling added to the engine: the quality floor (`retry.minQuality`), failure memory
 * (retries avoid the agent that just failed that type of task) and the ingress token bucket
 * (`ingress`). Each scenario ends with `assertAll` (conservation, legal history, engine/driver
 * agreement).
 */
import { describe, expect, it } from 'vitest';
import type { FailureReason, TaskId } from '../../src/engine/task.js';
import { Harness, type ConfigOverrides, type HarnessOptions } from '../support/harness.js';

/** Retries one second after a failure, exactly. */
const ONE_SECOND_RETRY = { maxRetries: 3, backoff: { baseSeconds: 1, factor: 1, jitter: 0 } };

function harness(config: ConfigOverrides, options: HarnessOptions = {}): Harness {
  return new Harness({ agents: [{ id: 'a' }, { id: 'b' }], ...options, config });
}

/** Agents that were told to start `taskId`, in order. */
function startedOn(h: Harness, taskId: TaskId): string[] {
  return h.commandsOf('start').filter((c) => c.taskId === taskId).map((c) => c.agentId);
}

// ------------------------------------------------------------------ quality floor

describe('quality floor (retry.minQuality)', () => {
  it('a completion below the floor fails the attempt with reason quality and the task is retried', () => {
    const h = harness({ retry: { ...ONE_SECOND_RETRY, minQuality: 0.5 } }, { agents: [{ id: 'a' }] });
    h.submit({ id: 't' });
    h.drive();
    h.finish('t', { ok: true, quality: 0.49 });
    expect(h.path('t').slice(-2)).toEqual(['running->failed', 'failed->retrying']);
    expect(h.transitions('t').find((e) => e.to === 'failed')).toMatchObject({ reason: 'quality', agentId: 'a', attempt: 1 });
    expect(h.agent('a').completed).toBe(0);
    expect(h.engine.counts().completed).toBe(0);
    h.advance(1);
    h.drive();
    h.finish('t', { ok: true, quality: 0.5 });
    expect(h.lastTransition('t')).toMatchObject({ to: 'completed', quality: 0.5, attempt: 2 });
    expect(h.agent('a').completed).toBe(1);
    h.assertAll();
  });

  it('a completion at or above the floor completes at once', () => {
    const h = harness({ retry: { minQuality: 0.8 } });
    h.submit({ id: 'exact' });
    h.submit({ id: 'above' });
    h.drive();
    h.finish('exact', { ok: true, quality: 0.8 });
    h.finish('above', { ok: true, quality: 0.95 });
    expect(h.path('exact')).toEqual(['created->queued', 'queued->assigned', 'assigned->running', 'running->completed']);
    expect(h.lastTransition('above')).toMatchObject({ to: 'completed', quality: 0.95 });
    h.assertAll();
  });

  it('with no retries left, a result below the floor dead-letters the task with reason quality', () => {
    const h = harness({ retry: { minQuality: 0.5 } });
    h.submit({ id: 't', maxRetries: 0 });
    h.drive();
    h.finish('t', { ok: true, quality: 0.1 });
    expect(h.lastTransition('t')).toMatchObject({ to: 'dead-lettered', reason: 'quality' });
    h.assertAll();
  });

  it('without a floor (the default) any quality completes', () => {
    const h = harness({});
    h.submit({ id: 't' });
    h.drive();
    h.finish('t', { ok: true, quality: 0 });
    expect(h.state('t')).toBe('completed');
    h.assertAll();
  });

  it('rejects a floor outside [0, 1]', () => {
    expect(() => new Harness({ config: { retry: { minQuality: 1.5 } } })).toThrow(/minQuality/);
    expect(() => new Harness({ config: { retry: { minQuality: -0.1 } } })).toThrow(/minQuality/);
  });
});

// ------------------------------------------------------------------ failure memory

describe('failure memory', () => {
  /**
   * Two agents under round-robin. `t` fails on a (reason `reason`) at a moment when both agents
   * are free and it is a's turn again, so round-robin alone would send the retry back to a.
   * Returns the agent its retry ran on.
   */
  function retryAfterFailureOnA(memorySeconds: number, reason: FailureReason = 'agent-error', retryAfter = 1): { h: Harness; agent: string } {
    const h = new Harness({
      config: { failureMemory: { seconds: memorySeconds }, retry: { maxRetries: 1, backoff: { baseSeconds: retryAfter, factor: 1, jitter: 0 }, minQuality: 0.5 } },
      agents: [{ id: 'a' }, { id: 'b' }],
    });
    h.submit({ id: 't', timeoutSeconds: 50 }); // a; b's turn next
    h.submit({ id: 'filler' }); // b; a's turn next
    h.drive();
    h.finish('filler');
    if (reason === 'timeout') h.advance(50);
    else if (reason === 'quality') h.finish('t', { ok: true, quality: 0 });
    else h.fail('t', reason);
    expect(h.transitions('t').find((e) => e.to === 'failed')).toMatchObject({ agentId: 'a', reason });
    h.advance(retryAfter);
    expect(h.state('t')).toBe('assigned');
    return { h, agent: h.agentOf('t')! };
  }

  it('after an attempt fails on an agent, the retry goes to another agent even when round-robin would pick the same one', () => {
    const { h, agent } = retryAfterFailureOnA(60);
    expect(agent).toBe('b');
    h.runUntilQuiet();
    h.assertAll();
  });

  it('with seconds 0 nothing is remembered: round-robin sends the retry back to the same agent', () => {
    const { h, agent } = retryAfterFailureOnA(0);
    expect(agent).toBe('a');
    h.runUntilQuiet();
    h.assertAll();
  });

  it('once the memory expires, the agent may be picked again', () => {
    const { h, agent } = retryAfterFailureOnA(5, 'agent-error', 6);
    expect(agent).toBe('a');
    h.runUntilQuiet();
    h.assertAll();
  });

  it('remembers timeouts and results below the quality floor as failures of the agent', () => {
    for (const reason of ['timeout', 'quality'] as const) {
      const { h, agent } = retryAfterFailureOnA(600, reason);
      expect(agent, reason).toBe('b');
      h.runUntilQuiet();
      h.assertAll();
    }
  });

  it('is a soft rule: when the failed agent is the only one, the retry still runs there', () => {
    const h = new Harness({ config: { failureMemory: { seconds: 600 }, retry: ONE_SECOND_RETRY }, agents: [{ id: 'a' }] });
    h.submit({ id: 't' });
    h.drive();
    h.fail('t');
    h.advance(1);
    expect(h.agentOf('t')).toBe('a');
    h.runUntilQuiet();
    expect(startedOn(h, 't')).toEqual(['a', 'a']);
    h.assertAll();
  });

  it('is a soft rule: when the failed agent is the only one carrying the task’s tags, the retry still runs there', () => {
    const h = new Harness({
      config: { failureMemory: { seconds: 600 }, retry: ONE_SECOND_RETRY },
      agents: [{ id: 'plain' }, { id: 'gpu', tags: ['gpu'] }],
    });
    h.submit({ id: 't', tags: ['gpu'] });
    h.drive();
    h.fail('t');
    h.advance(1);
    expect(h.agentOf('t')).toBe('gpu');
    h.runUntilQuiet();
    h.assertAll();
  });

  it('a retry waits for a busy agent it does not suspect rather than go back to the one that failed it', () => {
    const h = new Harness({ config: { failureMemory: { seconds: 600 }, retry: ONE_SECOND_RETRY }, agents: [{ id: 'a' }, { id: 'b' }] });
    h.submit({ id: 't' });
    h.submit({ id: 'long' });
    h.drive();
    h.fail('t'); // on a; b is busy with long
    h.advance(1);
    expect(h.state('t')).toBe('queued');
    expect(h.agent('a').active).toBe(0);
    h.advance(5);
    h.finish('long');
    expect(h.agentOf('t')).toBe('b');
    h.runUntilQuiet();
    h.assertAll();
  });

  it('steers only retries: a fresh task of the same type may still go to the agent that failed it', () => {
    const h = new Harness({ config: { failureMemory: { seconds: 600 }, retry: { maxRetries: 0 } }, agents: [{ id: 'a' }, { id: 'b' }] });
    h.submit({ id: 'first' }); // a
    h.submit({ id: 'filler' }); // b; a's turn next
    h.drive();
    h.finish('filler');
    h.fail('first');
    h.submit({ id: 'fresh' });
    expect(h.agentOf('fresh')).toBe('a');
    h.runUntilQuiet();
    h.assertAll();
  });

  it('under early binding, the retry is routed to another agent’s queue', () => {
    const h = new Harness({ config: { binding: 'early', failureMemory: { seconds: 600 }, retry: ONE_SECOND_RETRY }, agents: [{ id: 'a' }, { id: 'b' }] });
    h.submit({ id: 't' }); // a
    h.submit({ id: 'filler' }); // b; a's turn next
    h.drive();
    h.finish('filler');
    h.fail('t');
    h.advance(1);
    expect(h.agentOf('t')).toBe('b');
    h.runUntilQuiet();
    h.assertAll();
  });
});

// ------------------------------------------------------------------ ingress rate limit

describe('ingress token bucket', () => {
  it('admits a burst, rejects the rest with rate-limited, and admits again as tokens refill', () => {
    const h = new Harness({ config: { ingress: { ratePerSecond: 1, burst: 2 } }, agents: [{ id: 'a', capacity: 10 }] });
    for (let i = 0; i < 5; i++) h.submit({ id: `t${i}` });
    const rejected = (): string[] => h.submitted.filter((id) => h.state(id) === 'rejected');
    expect(rejected()).toEqual(['t2', 't3', 't4']);
    for (const id of rejected()) {
      expect(h.path(id)).toEqual(['created->rejected']);
      expect(h.lastTransition(id)!.reason).toBe('rate-limited');
    }
    expect(h.commandsOf('start').map((c) => c.taskId)).toEqual(['t0', 't1']);
    h.advance(1);
    h.submit({ id: 'after1' });
    h.submit({ id: 'after2' });
    expect(h.state('after1')).toBe('assigned');
    expect(h.lastTransition('after2')).toMatchObject({ to: 'rejected', reason: 'rate-limited' });
    expect(h.engine.counts()).toMatchObject({ submitted: 7, rejected: 4 });
    h.runUntilQuiet();
    h.assertAll();
  });

  it('never holds more than the burst, however long the fleet was idle', () => {
    const h = new Harness({ config: { ingress: { ratePerSecond: 1, burst: 2 } }, agents: [{ id: 'a', capacity: 10 }] });
    h.submit({ id: 'first' });
    h.advance(1_000);
    for (let i = 0; i < 4; i++) h.submit({ id: `t${i}` });
    expect(h.submitted.filter((id) => h.state(id) === 'rejected')).toEqual(['t2', 't3']);
    h.runUntilQuiet();
    h.assertAll();
  });

  it('admits everything by default', () => {
    const h = new Harness({ agents: [{ id: 'a' }] });
    for (let i = 0; i < 50; i++) h.submit({ id: `t${i}` });
    expect(h.engine.counts().rejected).toBe(0);
    h.runUntilQuiet();
    h.assertAll();
  });
});
