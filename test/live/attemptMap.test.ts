/**
 * The attempt map holds what a map keyed by (task id, attempt) would, whatever the sequence of
 * operations, with several attempts of one task at once.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AttemptMap, ConnectorAttemptMap } from '../../src/live/attemptMap.js';

interface Value {
  readonly task: string;
  readonly attempt: number;
  readonly label: number;
  next: Value | undefined;
}

type Operation =
  | { readonly kind: 'set'; readonly task: string; readonly attempt: number; readonly label: number }
  | { readonly kind: 'delete'; readonly task: string; readonly attempt: number }
  | { readonly kind: 'deleteOdd' }
  | { readonly kind: 'clear' };

const task = fc.constantFrom('t1', 't2', 't3');
const attempt = fc.integer({ min: 1, max: 4 });
const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('set' as const), task, attempt, label: fc.integer({ min: 0, max: 99 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), task, attempt }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'deleteOdd' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
);

describe('AttemptMap', () => {
  it('holds what a map keyed by task and attempt would', () => {
    fc.assert(fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
      const map = new AttemptMap<Value>();
      const model = new Map<string, number>();
      for (const op of operations) {
        if (op.kind === 'set') {
          map.set(op.task, { task: op.task, attempt: op.attempt, label: op.label, next: undefined });
          model.set(`${op.task}/${op.attempt}`, op.label);
        } else if (op.kind === 'delete') {
          expect(map.delete(op.task, op.attempt)).toBe(model.delete(`${op.task}/${op.attempt}`));
        } else if (op.kind === 'clear') {
          map.clear();
          model.clear();
        } else {
          map.deleteWhere((value) => value.label % 2 === 1);
          for (const [key, label] of model) if (label % 2 === 1) model.delete(key);
        }
        expect(map.size).toBe(model.size);
        const listed = [...map.values()].map((value) => `${value.task}/${value.attempt}=${value.label}`);
        expect(listed.sort()).toEqual([...model].map(([key, label]) => `${key}=${label}`).sort());
        for (const t of ['t1', 't2', 't3']) {
          for (let a = 1; a <= 4; a++) expect(map.get(t, a)?.label).toBe(model.get(`${t}/${a}`));
        }
      }
    }), { seed: 5, numRuns: 300 });
  });

  it('lets the value just listed be forgotten while listing', () => {
    const map = new AttemptMap<Value>();
    for (const task of ['t1', 't2']) for (let attempt = 1; attempt <= 3; attempt++) map.set(task, { task, attempt, label: 0, next: undefined });
    const listed: string[] = [];
    for (const value of map.values()) {
      listed.push(`${value.task}/${value.attempt}`);
      map.delete(value.task, value.attempt);
    }
    expect(listed.sort()).toEqual(['t1/1', 't1/2', 't1/3', 't2/1', 't2/2', 't2/3']);
    expect(map.size).toBe(0);
    expect([...map.values()]).toEqual([]);
  });

  it('holds one value in two maps linked through different fields, each map as if alone', () => {
    interface Shared {
      readonly attempt: number;
      next: Shared | undefined;
      connectorNext: Shared | undefined;
    }
    const byNext = new AttemptMap<Shared>();
    const byConnector = new ConnectorAttemptMap<Shared>();
    const values: Shared[] = [1, 2, 3].map((attempt) => ({ attempt, next: undefined, connectorNext: undefined }));
    for (const value of values) {
      byNext.set('t1', value);
      byConnector.set('t1', value);
    }
    byConnector.delete('t1', 2);
    expect([...byNext.values()].map((value) => value.attempt).sort()).toEqual([1, 2, 3]);
    expect([...byConnector.values()].map((value) => value.attempt).sort()).toEqual([1, 3]);
    expect(values[1]!.connectorNext).toBeUndefined();
    byNext.delete('t1', 3);
    expect(byNext.get('t1', 3)).toBeUndefined();
    expect(byConnector.get('t1', 3)).toBe(values[2]);
    expect(byConnector.get('t1', 1)).toBe(values[0]);
  });
});
