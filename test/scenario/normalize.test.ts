/**
 * `deepFreeze`: everything reachable from the value ends up frozen, whatever the shape (shared
 * objects, cycles, arrays of objects), and a scenario from `normalizeScenario` is immutable all
 * the way down, for every scenario of the library.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';
import { deepFreeze } from '../../src/scenario/normalize.js';

/** Every object reachable from `value` (each once), `value` included. */
function reachableObjects(value: unknown): object[] {
  const seen = new Set<object>();
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next !== 'object' || next === null || seen.has(next)) continue;
    seen.add(next);
    pending.push(...Object.values(next));
  }
  return [...seen];
}

function unfrozen(value: unknown): object[] {
  return reachableObjects(value).filter((object) => !Object.isFrozen(object));
}

describe('deepFreeze', () => {
  it('freezes every object and array reachable from the value, and returns the value', () => {
    const value = { a: { b: [{ c: 1 }, [2, { d: [] }]] }, e: 'text', f: null };
    expect(deepFreeze(value)).toBe(value);
    expect(reachableObjects(value)).toHaveLength(7);
    expect(unfrozen(value)).toEqual([]);
  });

  it('freezes a shared object and what it holds, wherever it is met first', () => {
    const shared = { inner: { x: 1 } };
    const value = { first: [shared], second: { again: shared, own: { y: 2 } } };
    deepFreeze(value);
    expect(unfrozen(value)).toEqual([]);
  });

  it('ends on cycles, and freezes everything on them', () => {
    const a: Record<string, unknown> = { name: 'a' };
    const b: Record<string, unknown> = { name: 'b', a, list: [a] };
    a.b = b;
    a.self = a;
    deepFreeze(a);
    expect(unfrozen(a)).toEqual([]);
  });

  it('leaves primitives as they are', () => {
    expect(deepFreeze(3)).toBe(3);
    expect(deepFreeze('x')).toBe('x');
    expect(deepFreeze(null)).toBe(null);
  });
});

describe('normalizeScenario: the scenario is immutable all the way down', () => {
  const files = [
    ...readdirSync('scenarios').filter((name) => name.endsWith('.yaml')).map((name) => join('scenarios', name)),
    'test/fixtures/scenarios/full.yaml',
  ];

  it.each(files)('%s', (file) => {
    const scenario = loadScenario(file);
    expect(reachableObjects(scenario).length).toBeGreaterThan(20);
    expect(unfrozen(scenario)).toEqual([]);
  });
});
