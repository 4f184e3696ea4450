/**
 * work-stealing: an agent that runs dry takes the last task of the busiest agent it can help,
 * leaving that agent's oldest work where it was.
 */
import { describe, expect, it } from 'vitest';
import { findStrategy } from '../../src/strategies/index.js';
import { Harness, OK } from '../support/harness.js';

function workStealing(params: Record<string, unknown> = {}) {
  const definition = findStrategy('work-stealing')!;
  return definition.create(definition.params.parse(params));
}

/** One agent `a` holding t1 (running) and t2, t3, t4 queued, in that order. */
function loadedOnA(params: Record<string, unknown> = {}, skills: Record<string, number> = { code: 1 }): Harness {
  const h = new Harness({ strategy: workStealing(params), config: { binding: 'early' }, agents: [{ id: 'a', skills }] });
  for (const id of ['t1', 't2', 't3', 't4']) h.submit({ id });
  h.drive();
  expect(h.agentOf('t1')).toBe('a');
  return h;
}

describe('work-stealing', () => {
  it('an agent that joins with nothing to do steals from the back of the busiest queue', () => {
    const h = loadedOnA();
    h.join({ id: 'b', skills: { code: 1 } });
    h.drive();
    expect(h.agentOf('t4')).toBe('b');
    expect(h.transitions('t4').some((e) => e.agentId === 'b')).toBe(true);
    expect(h.steals).toBe(1);
    // The victim keeps its oldest work, in order.
    h.finish('t1');
    h.drive();
    expect(h.agentOf('t2')).toBe('a');
    h.assertAll();
  });

  it('an idle agent steals a task left waiting in another queue, as soon as it is left waiting', () => {
    // Every placement draws 0: the first accepting agent, so `a` gets everything.
    const h = new Harness({ strategy: workStealing(), strategyRandom: () => 0, config: { binding: 'early' }, agents: [{ id: 'a' }, { id: 'b' }] });
    h.submit({ id: 't1' });
    h.submit({ id: 't2' });
    h.drive();
    expect([h.agentOf('t1'), h.agentOf('t2')].sort()).toEqual(['a', 'b']);
    expect(h.steals).toBe(1);
    h.assertAll();
  });

  it('never steals a task whose type the thief is not skilled enough for', () => {
    const h = loadedOnA({ minSkill: 0.5 });
    h.join({ id: 'b', skills: { code: 0.2 } });
    h.drive();
    expect(h.steals).toBe(0);
    expect(h.pendingStarts()).toEqual([]);
    h.runUntilQuiet(OK);
    for (const id of ['t2', 't3', 't4']) expect(h.transitions(id).some((e) => e.agentId === 'b')).toBe(false);
    h.assertAll();
  });

  it('never steals a task whose tags the thief lacks', () => {
    const h = new Harness({ strategy: workStealing(), config: { binding: 'early' }, agents: [{ id: 'a', tags: ['gpu'] }] });
    for (const id of ['t1', 't2', 't3']) h.submit({ id, tags: ['gpu'] });
    h.drive();
    h.join({ id: 'b' });
    h.drive();
    expect(h.steals).toBe(0);
    h.runUntilQuiet(OK);
    for (const id of ['t2', 't3']) expect(h.transitions(id).some((e) => e.agentId === 'b'), id).toBe(false);
    h.assertAll();
  });

  it('never steals a task assigned to its agent by name', () => {
    const h = new Harness({ strategy: workStealing(), config: { binding: 'early' }, agents: [{ id: 'a' }] });
    h.submit({ id: 't1', assignee: 'a' });
    h.submit({ id: 't2', assignee: 'a' });
    h.join({ id: 'b' });
    h.drive();
    expect(h.steals).toBe(0);
    h.runUntilQuiet(OK);
    expect(h.transitions('t2').some((e) => e.agentId === 'b')).toBe(false);
    h.assertAll();
  });
});
