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
    expect(attempt.timerId).toBe(0);
    expect(attempt.view).toBe(fakeTask);
    expect(attempt.aborted).toBe(false);
    attempt.abort();
    expect(attempt.aborted).toBe(true);
    expect(attempt.signal.aborted).toBe(true);
    attempt.started({ setupTokens: 3, contextHit: null });
    attempt.finished({ ok: true, quality: 1 });
    expect(reports).toEqual([['started', attempt, { setupTokens: 3, contextHit: null }], ['finished', attempt, { ok: true, quality: 1 }]]);
  });
});
