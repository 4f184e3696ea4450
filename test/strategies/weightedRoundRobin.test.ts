/**
 * weighted-round-robin: nginx's smooth weighted round-robin, checked on its exact sequence.
 */
import { describe, expect, it } from 'vitest';
import { Harness } from '../support/harness.js';

/** Agent ids of the start commands, in order. */
function startedOn(h: Harness): string[] {
  return h.commandsOf('start').map((c) => c.agentId);
}

/** Agent ids by routing order under early binding (each task's queue owner at submission). */
function routedTo(h: Harness, ids: readonly string[]): string[] {
  return ids.map((id) => h.engine.agents[h.engine.task(id)!.agentIndex]!.spec.id);
}

describe('weighted-round-robin', () => {
  it('gives weights 3:2:1 the smooth sequence a b a c b a, cycle after cycle, under late binding', () => {
    const h = new Harness({
      strategy: 'weighted-round-robin',
      agents: [{ id: 'a', capacity: 100, weight: 3 }, { id: 'b', capacity: 100, weight: 2 }, { id: 'c', capacity: 100, weight: 1 }],
    });
    for (let i = 0; i < 18; i++) h.submit({ id: `t${i}` });
    const cycle = ['a', 'b', 'a', 'c', 'b', 'a'];
    expect(startedOn(h)).toEqual([...cycle, ...cycle, ...cycle]);
  });

  it('splits exactly 3:2:1 over whole cycles under early binding, busy or not', () => {
    const h = new Harness({
      strategy: 'weighted-round-robin', config: { binding: 'early' },
      agents: [{ id: 'a', weight: 3 }, { id: 'b', weight: 2 }, { id: 'c', weight: 1 }],
    });
    const ids = Array.from({ length: 60 }, (_, i) => `t${i}`);
    for (const id of ids) h.submit({ id });
    const routed = routedTo(h, ids);
    expect(routed.slice(0, 6)).toEqual(['a', 'b', 'a', 'c', 'b', 'a']);
    const count = (id: string): number => routed.filter((r) => r === id).length;
    expect([count('a'), count('b'), count('c')]).toEqual([30, 20, 10]);
  });

  it('interleaves a heavy agent with light ones instead of bursting (5:1:1 gives a a b a c a a)', () => {
    const h = new Harness({
      strategy: 'weighted-round-robin',
      agents: [{ id: 'a', capacity: 100, weight: 5 }, { id: 'b', capacity: 100, weight: 1 }, { id: 'c', capacity: 100, weight: 1 }],
    });
    for (let i = 0; i < 7; i++) h.submit({ id: `t${i}` });
    expect(startedOn(h)).toEqual(['a', 'a', 'b', 'a', 'c', 'a', 'a']);
  });

  it('uses capacity as the weight when none is given', () => {
    const h = new Harness({ strategy: 'weighted-round-robin', agents: [{ id: 'a', capacity: 20 }, { id: 'b', capacity: 10 }] });
    for (let i = 0; i < 9; i++) h.submit({ id: `t${i}` });
    expect(startedOn(h)).toEqual(['a', 'b', 'a', 'a', 'b', 'a', 'a', 'b', 'a']);
  });

  it('skips a full agent under late binding and leaves the others in their turn', () => {
    const h = new Harness({
      strategy: 'weighted-round-robin',
      agents: [{ id: 'a', capacity: 1, weight: 3 }, { id: 'b', capacity: 100, weight: 2 }, { id: 'c', capacity: 100, weight: 1 }],
    });
    for (let i = 0; i < 6; i++) h.submit({ id: `t${i}` });
    // a takes the first task and is then full; b and c share the rest 2:1 (current weights
    // after a's turn: b 2, c 1; b leads, then ties with c and wins on index, then c's turn).
    expect(startedOn(h)).toEqual(['a', 'b', 'b', 'c', 'b', 'b']);
  });
});
