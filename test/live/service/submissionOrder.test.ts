/**
 * SubmissionOrder: task ids by ordinal in submission order, found by binary search; forgotten
 * tasks leave holes that are squeezed out without changing the order (property: against a plain
 * list of the tasks held).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SubmissionOrder } from '../../../src/live/service/submissionOrder.js';

/** The ids held after `ordinal`, in order, read as a page does. */
function idsAfter(order: SubmissionOrder, ordinal: number): string[] {
  const ids: string[] = [];
  for (let at = order.firstAfter(ordinal); at < order.length; at++) {
    const id = order.idAt(at);
    if (id !== undefined) ids.push(id);
  }
  return ids;
}

describe('SubmissionOrder', () => {
  it('finds the first task after an ordinal, skipping the forgotten ones', () => {
    const order = new SubmissionOrder();
    for (const [ordinal, id] of [[0, 'a'], [1, 'b'], [4, 'c'], [9, 'd']] as const) order.append(ordinal, id);
    order.remove(1);
    expect(idsAfter(order, -1)).toEqual(['a', 'c', 'd']);
    expect(idsAfter(order, 0)).toEqual(['c', 'd']);
    expect(idsAfter(order, 4)).toEqual(['d']);
    expect(idsAfter(order, 5)).toEqual(['d']);
    expect(idsAfter(order, 9)).toEqual([]);
    expect(order.size).toBe(3);
  });

  it('refuses an ordinal out of order and the removal of a task it does not hold', () => {
    const order = new SubmissionOrder();
    order.append(3, 'a');
    expect(() => order.append(3, 'b')).toThrow('ordinal 3 after 3');
    expect(() => order.remove(2)).toThrow('no task of ordinal 2');
    order.remove(3);
    expect(() => order.remove(3)).toThrow('no task of ordinal 3');
  });

  it('squeezes its holes out once they are half its entries, keeping at most twice the tasks held', () => {
    const order = new SubmissionOrder();
    for (let i = 0; i < 1000; i++) order.append(i, `t${i}`);
    // The oldest forgotten first, as the settled tasks' ring forgets them, one old task kept.
    for (let i = 1; i < 900; i++) {
      order.remove(i);
      expect(order.length).toBeLessThanOrEqual(Math.max(2 * order.size, 1000));
    }
    expect(order.length).toBeLessThan(2 * order.size);
    expect(idsAfter(order, -1)).toEqual(['t0', ...Array.from({ length: 100 }, (_, i) => `t${900 + i}`)]);
  });

  it('lists what a plain list of the tasks held lists, after any appends and removals (property)', () => {
    fc.assert(fc.property(
      fc.array(fc.oneof(fc.record({ append: fc.integer({ min: 1, max: 5 }) }), fc.record({ remove: fc.nat() }), fc.record({ after: fc.integer({ min: -1, max: 2000 }) })), { maxLength: 600 }),
      (steps) => {
        const order = new SubmissionOrder();
        const held: { ordinal: number; id: string }[] = [];
        let next = 0;
        for (const step of steps) {
          if ('append' in step) {
            next += step.append;
            order.append(next, `t${next}`);
            held.push({ ordinal: next, id: `t${next}` });
          } else if ('remove' in step) {
            if (held.length === 0) continue;
            const [gone] = held.splice(step.remove % held.length, 1);
            order.remove(gone!.ordinal);
          } else {
            expect(idsAfter(order, step.after)).toEqual(held.filter((task) => task.ordinal > step.after).map((task) => task.id));
          }
          expect(order.size).toBe(held.length);
        }
        expect(idsAfter(order, -1)).toEqual(held.map((task) => task.id));
      },
    ), { seed: 30, numRuns: 200 });
  });
});
