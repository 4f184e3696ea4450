/**
 * The abort controller of a pending call, made only when needed: `aborted` is read without
 * making a signal, and a signal read before or after the abort behaves as an AbortController's.
 */
import { describe, expect, it } from 'vitest';
import { LazyAbortController } from '../../src/live/pendingCalls.js';

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
