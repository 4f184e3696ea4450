/**
 * context-batching: tasks sharing a contextKey follow the agent that holds the key, within the
 * batch window; otherwise (and without a key) skill routing.
 */
import { describe, expect, it } from 'vitest';
import { findStrategy } from '../../src/strategies/index.js';
import { Harness, OK } from '../support/harness.js';

function contextBatching(batchWindowSeconds: number) {
  const definition = findStrategy('context-batching')!;
  return definition.create(definition.params.parse({ batchWindowSeconds }));
}

function queuedOn(h: Harness, id: string): string {
  return h.engine.agents[h.engine.task(id)!.agentIndex]!.spec.id;
}

describe('context-batching', () => {
  it('early binding: follows the key holder while its work in hand clears within the window', () => {
    // 1,000-token tasks at 100 tokens/s: 10 s each. Window 25 s: the holder takes a key's tasks
    // while it has at most 25 s of work in hand.
    const h = new Harness({
      strategy: contextBatching(25), config: { binding: 'early' },
      agents: [{ id: 'a', skills: { code: 1 } }, { id: 'b', skills: { code: 0.9 } }],
    });
    for (let i = 0; i < 4; i++) h.submit({ id: `k${i}`, contextKey: 'k' });
    expect(['k0', 'k1', 'k2', 'k3'].map((id) => queuedOn(h, id))).toEqual(['a', 'a', 'a', 'b']);
    // The key now belongs to b, its last holder: the next task of the key follows it.
    h.submit({ id: 'k4', contextKey: 'k' });
    expect(queuedOn(h, 'k4')).toBe('b');
    h.runUntilQuiet(OK);
    h.assertAll();
  });

  it('late binding: a task waits for its busy holder within the window, then falls back', () => {
    const h = new Harness({ strategy: contextBatching(5), agents: [{ id: 'a', skills: { code: 1 } }] });
    h.submit({ id: 'first', contextKey: 'k' });
    h.drive();
    h.join({ id: 'b', skills: { code: 1 } });
    h.submit({ id: 'second', contextKey: 'k' });
    h.drive();
    expect(h.state('second')).toBe('queued');
    h.advance(6);
    h.submit({ id: 'other' });
    h.drive();
    // Past the window, the next dispatch lets `second` fall back to the free agent.
    expect(h.agentOf('second')).toBe('b');
    h.runUntilQuiet(OK);
    h.assertAll();
  });

  it('routes a task without a key to the most skilled eligible agent', () => {
    const h = new Harness({
      strategy: contextBatching(30),
      agents: [{ id: 'novice', skills: { code: 0.3 } }, { id: 'expert', skills: { code: 0.9 } }],
    });
    h.submit({ id: 't' });
    h.drive();
    expect(h.agentOf('t')).toBe('expert');
    h.finish('t', OK);
    h.assertAll();
  });
});
