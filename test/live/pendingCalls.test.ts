/**
 * The abort controller of a pending call, made only when needed: `aborted` is read without
 * making a signal, and a signal read before or after the abort behaves as an AbortController's.
 */
import { describe, expect, it } from 'vitest';
import { DriverAttemptContext, LazyAbortController } from '../../src/live/pendingCalls.js';

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

describe('DriverAttemptContext', () => {
  it('reads the controller without making its signal, and hands the start report on', () => {
    const controller = new LazyAbortController();
    const reports: unknown[] = [];
    const context = new DriverAttemptContext(controller, (report) => reports.push(report));
    expect(context.aborted).toBe(false);
    controller.abort();
    expect(context.aborted).toBe(true);
    expect(context.signal.aborted).toBe(true);
    context.started({ setupTokens: 3, contextHit: null });
    expect(reports).toEqual([{ setupTokens: 3, contextHit: null }]);
  });
});
