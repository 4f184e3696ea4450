import { describe, expect, it } from 'vitest';
import { SettledMemory } from '../../src/engine/settledMemory.js';

describe('SettledMemory', () => {
  it('remembers the final state of settled ids', () => {
    const memory = new SettledMemory(3);
    memory.add('a', 'completed');
    memory.add('b', 'cancelled');
    expect(memory.get('a')).toBe('completed');
    expect(memory.get('b')).toBe('cancelled');
    expect(memory.has('c')).toBe(false);
  });

  it('forgets the oldest id first once full', () => {
    const memory = new SettledMemory(2);
    for (const id of ['a', 'b', 'c', 'd', 'e']) memory.add(id, 'completed');
    expect(['a', 'b', 'c', 'd', 'e'].map((id) => memory.has(id))).toEqual([false, false, false, true, true]);
  });

  it('remembers nothing with capacity 0', () => {
    const memory = new SettledMemory(0);
    memory.add('a', 'completed');
    expect(memory.has('a')).toBe(false);
  });

  it('rejects a capacity that is not a whole number', () => {
    expect(() => new SettledMemory(-1)).toThrow(/capacity/);
    expect(() => new SettledMemory(1.5)).toThrow(/capacity/);
  });

  it('lists its entries oldest first as pairs, and as two columns in ring order copied apart from it', () => {
    const memory = new SettledMemory(3);
    memory.add('a', 'completed');
    memory.add('b', 'cancelled');
    expect(memory.columns()).toStrictEqual({ ids: ['a', 'b'], states: ['completed', 'cancelled'], oldest: 0 });
    for (const id of ['c', 'd', 'e']) memory.add(id, id === 'd' ? 'expired' : 'completed');
    const columns = memory.columns();
    // The ring has wrapped: d and e took the slots of a and b, and c, the oldest, is in the last.
    expect(columns).toStrictEqual({ ids: ['d', 'e', 'c'], states: ['expired', 'completed', 'completed'], oldest: 2 });
    expect(memory.entries()).toStrictEqual([['c', 'completed'], ['d', 'expired'], ['e', 'completed']]);
    expect(memory.size).toBe(3);
    memory.add('f', 'rejected');
    expect(columns.ids).toStrictEqual(['d', 'e', 'c']);
    expect(memory.entries()).toStrictEqual([['d', 'expired'], ['e', 'completed'], ['f', 'rejected']]);
  });
});
