/**
 * The table of values by task id behaves as a `Map` through any insertions, replacements and
 * deletions, its walks in a `Map`'s order (checked against one by fast-check, with ids that
 * collide in the hash so that probe runs form and close), and a walk may forget task ids.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TaskIdTable } from '../../src/live/taskIdTable.js';

/** Ids of 17+ characters that differ only in their first: the hash reads the last 16, so they collide. */
const collidingId = (n: number): string => `${String.fromCharCode(97 + n)}${'x'.repeat(16)}`;
const taskId = fc.oneof(fc.integer({ min: 0, max: 25 }).map(collidingId), fc.integer({ min: 0, max: 300 }).map((n) => `t${n}`));

describe('TaskIdTable', () => {
  it('holds what a Map holds through any sets and deletes', () => {
    const operation = fc.oneof(
      fc.record({ set: taskId, value: fc.nat() }),
      fc.record({ delete: taskId }),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 400 }), (operations) => {
        const table = new TaskIdTable<number>();
        const model = new Map<string, number>();
        for (const op of operations) {
          if ('set' in op) {
            table.set(op.set, op.value);
            model.set(op.set, op.value);
          } else {
            expect(table.delete(op.delete)).toBe(model.delete(op.delete));
          }
          expect(table.size).toBe(model.size);
        }
        for (const [id, value] of model) expect(table.get(id)).toBe(value);
        expect(table.get('never')).toBeUndefined();
        expect([...table.entries()]).toEqual([...model]);
      }),
      { seed: 11, numRuns: 300 },
    );
  });

  it('finds, without a walk, the value a Map\'s walk meets first among those a test picks', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.record({ set: taskId, weight: fc.nat({ max: 9 }) }), fc.record({ delete: taskId })), { maxLength: 300 }), fc.nat({ max: 9 }), (operations, wanted) => {
        // Each value names its task id, so the test can tell which entry was found.
        const table = new TaskIdTable<string>();
        const model = new Map<string, string>();
        for (const op of operations) {
          if ('set' in op) {
            table.set(op.set, `${op.set}:${op.weight}`);
            model.set(op.set, `${op.set}:${op.weight}`);
          } else {
            table.delete(op.delete);
            model.delete(op.delete);
          }
        }
        const picks = (value: string): boolean => Number(value.slice(value.lastIndexOf(':') + 1)) >= wanted;
        expect(table.oldestWhere(picks)).toBe([...model.values()].find(picks));
      }),
      { seed: 12, numRuns: 300 },
    );
  });

  it('walks as a Map walks while the walk forgets the visited task id or others', () => {
    fc.assert(
      fc.property(fc.uniqueArray(taskId, { maxLength: 120 }), fc.func(fc.nat({ max: 3 })), (ids, pick) => {
        const table = new TaskIdTable<string>();
        const model = new Map<string, string>();
        for (const id of ids) {
          table.set(id, id);
          model.set(id, id);
        }
        // 0: keep, 1: forget the visited id, 2: forget the id ten places on, 3: forget both.
        const walk = (map: { entries(): IterableIterator<[string, string]>; delete(id: string): boolean }): string[] => {
          const visited: string[] = [];
          for (const [id, value] of map.entries()) {
            expect(value).toBe(id);
            visited.push(id);
            const choice = pick(id);
            if (choice === 1 || choice === 3) map.delete(id);
            if (choice >= 2) map.delete(ids[(ids.indexOf(id) + 10) % ids.length]!);
          }
          return visited;
        };
        expect(walk(table)).toEqual(walk(model));
        expect(table.size).toBe(model.size);
        expect([...table.entries()]).toEqual([...model]);
      }),
      { seed: 5, numRuns: 300 },
    );
  });

  it('forgets everything on clear and keeps working', () => {
    const table = new TaskIdTable<number>();
    for (let i = 0; i < 1000; i++) table.set(`t${i}`, i);
    table.clear();
    expect(table.size).toBe(0);
    expect(table.get('t5')).toBeUndefined();
    table.set('t5', 5);
    expect(table.get('t5')).toBe(5);
  });
});
