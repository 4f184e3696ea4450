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
});
