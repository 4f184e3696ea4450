/**
 * The attempt map holds what a map keyed by (task id, attempt) would, whatever the sequence of
 * operations, with several attempts of one task at once.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AttemptMap } from '../../../src/live/service/attemptMap.js';

interface Value {
  readonly attempt: number;
  readonly label: number;
  next: Value | undefined;
}

type Operation =
  | { readonly kind: 'set'; readonly task: string; readonly attempt: number; readonly label: number }
  | { readonly kind: 'delete'; readonly task: string; readonly attempt: number }
  | { readonly kind: 'deleteOdd' };

const task = fc.constantFrom('t1', 't2', 't3');
const attempt = fc.integer({ min: 1, max: 4 });
const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('set' as const), task, attempt, label: fc.integer({ min: 0, max: 99 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), task, attempt }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'deleteOdd' as const }) },
);

describe('AttemptMap', () => {
  it('holds what a map keyed by task and attempt would', () => {
    fc.assert(fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
      const map = new AttemptMap<Value>();
      const model = new Map<string, number>();
      for (const op of operations) {
        if (op.kind === 'set') {
          map.set(op.task, { attempt: op.attempt, label: op.label, next: undefined });
          model.set(`${op.task}/${op.attempt}`, op.label);
        } else if (op.kind === 'delete') {
          expect(map.delete(op.task, op.attempt)).toBe(model.delete(`${op.task}/${op.attempt}`));
        } else {
          map.deleteWhere((value) => value.label % 2 === 1);
          for (const [key, label] of model) if (label % 2 === 1) model.delete(key);
        }
        expect(map.size).toBe(model.size);
        for (const t of ['t1', 't2', 't3']) {
          for (let a = 1; a <= 4; a++) expect(map.get(t, a)?.label).toBe(model.get(`${t}/${a}`));
        }
      }
    }), { seed: 5, numRuns: 300 });
  });
});
