/**
 * The reusable queue behaves as a plain array used as a queue would, whatever the sequence of
 * operations.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReusableQueue } from '../../../src/live/service/reusableQueue.js';

type Operation =
  | { readonly kind: 'push'; readonly item: number }
  | { readonly kind: 'removeFront'; readonly n: number }
  | { readonly kind: 'removeAt'; readonly index: number }
  | { readonly kind: 'remove'; readonly item: number }
  | { readonly kind: 'clear' };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ kind: fc.constant('push' as const), item: fc.integer({ min: 0, max: 9 }) }),
  fc.record({ kind: fc.constant('removeFront' as const), n: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ kind: fc.constant('removeAt' as const), index: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ kind: fc.constant('remove' as const), item: fc.integer({ min: 0, max: 9 }) }),
  fc.constant({ kind: 'clear' as const }),
);

function contents(queue: ReusableQueue<number>): number[] {
  return Array.from({ length: queue.size }, (_, i) => queue.at(i));
}

describe('ReusableQueue', () => {
  it('holds what an array would after any sequence of pushes and removals', () => {
    fc.assert(fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
      const queue = new ReusableQueue<number>();
      const model: number[] = [];
      for (const op of operations) {
        switch (op.kind) {
          case 'push':
            queue.push(op.item);
            model.push(op.item);
            break;
          case 'removeFront': {
            const n = Math.min(op.n, model.length);
            queue.removeFront(n);
            model.splice(0, n);
            break;
          }
          case 'removeAt':
            if (op.index < model.length) {
              queue.removeAt(op.index);
              model.splice(op.index, 1);
            }
            break;
          case 'remove': {
            const at = model.indexOf(op.item);
            expect(queue.remove(op.item)).toBe(at >= 0);
            if (at >= 0) model.splice(at, 1);
            break;
          }
          case 'clear':
            queue.clear();
            model.length = 0;
            break;
        }
        expect(contents(queue)).toEqual(model);
      }
    }), { seed: 11, numRuns: 300 });
  });

  it('does not find an item it no longer holds in a spent slot', () => {
    const queue = new ReusableQueue<string>();
    queue.push('a');
    queue.push('b');
    queue.removeFront(2);
    expect(queue.remove('a')).toBe(false);
    expect(queue.size).toBe(0);
  });
});
