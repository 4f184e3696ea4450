/**
 * The abort controller of a pending call, made only when needed: `aborted` is read without
 * making a signal, and a signal read before or after the abort behaves as an AbortController's.
 */
import { describe, expect, it } from 'vitest';
import type { AgentView } from '../../src/engine/agent.js';
import type { TaskView } from '../../src/engine/task.js';
import { Attempt, LazyAbortController } from '../../src/live/pendingCalls.js';

describe('LazyAbortController', () => {
  it('tells whether it was aborted without a signal', () => {
    const controller = new LazyAbortController();
    expect(controller.aborted).toBe(false);
    controller.abort();
    expect(controller.aborted).toBe(true);
  });

  it('fires a listener of a signal read before the abort, once', () => {
    const controller = new LazyAbortController();
    const { signal } = controller;
    let fired = 0;
    signal.addEventListener('abort', () => fired++);
    expect(signal.aborted).toBe(false);
    controller.abort();
    controller.abort();
    expect(signal.aborted).toBe(true);
    expect(fired).toBe(1);
    expect(controller.signal).toBe(signal);
  });

  it('hands out an aborted signal when it is first read after the abort', () => {
    const controller = new LazyAbortController();
    controller.abort();
    expect(controller.signal.aborted).toBe(true);
  });
});

describe('Attempt', () => {
  const fakeTask = { spec: { id: 't1' } } as unknown as TaskView;
  const fakeAgent = { spec: { id: 'a1' } } as unknown as AgentView;

  it('is its own lazy controller and context, and hands its start report and outcome on', () => {
    const reports: unknown[] = [];
    const attempt = new Attempt({
      attemptStarted: (from, report) => reports.push(['started', from, report]),
      attemptFinished: (from, outcome) => reports.push(['finished', from, outcome]),
    }, fakeTask, fakeAgent, 2);
    expect(attempt.attempt).toBe(2);
    expect(attempt.queueIndex).toBe(-1);
    expect(attempt.view).toBe(fakeTask);
    expect(attempt.aborted).toBe(false);
    attempt.abort();
    expect(attempt.aborted).toBe(true);
    expect(attempt.signal.aborted).toBe(true);
    attempt.started({ setupTokens: 3, contextHit: null });
    attempt.finished({ ok: true, quality: 1 });
    expect(reports).toEqual([['started', attempt, { setupTokens: 3, contextHit: null }], ['finished', attempt, { ok: true, quality: 1 }]]);
  });

  it('keeps its flags apart: aborted, start fed, abandoned and detached each set and read on its own', () => {
    const reports = { attemptStarted: () => undefined, attemptFinished: () => undefined };
    const read = (attempt: Attempt): unknown[] => [attempt.aborted, attempt.startFed, attempt.abandoned, attempt.view];
    const attempt = new Attempt(reports, fakeTask, fakeAgent, 1);
    expect(read(attempt)).toEqual([false, false, false, fakeTask]);
    attempt.startFed = true;
    expect(read(attempt)).toEqual([false, true, false, fakeTask]);
    attempt.abandoned = true;
    expect(read(attempt)).toEqual([false, true, true, fakeTask]);
    attempt.detach();
    expect(read(attempt)).toEqual([false, true, true, undefined]);
    attempt.abort();
    expect(read(attempt)).toEqual([true, true, true, undefined]);
    attempt.startFed = false;
    expect(read(attempt)).toEqual([true, false, true, undefined]);
    const swapped = { spec: { id: 't1' } } as unknown as TaskView;
    const otherAgent = { spec: { id: 'a2' } } as unknown as AgentView;
    attempt.rebind(swapped, otherAgent);
    expect(read(attempt)).toEqual([true, false, true, swapped]);
    expect(attempt.agent).toBe(otherAgent);
    attempt.abandoned = false;
    expect(read(attempt)).toEqual([true, false, false, swapped]);
  });
});
