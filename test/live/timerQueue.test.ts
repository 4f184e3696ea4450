/**
 * The driver's timer queue gives the earliest pending timer by (time, ticket) whatever the
 * order of additions and removals (checked against a sorted list by fast-check).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimerQueue, type PendingTimer } from '../../src/live/timerQueue.js';

function earliest(timers: readonly PendingTimer[]): PendingTimer | undefined {
  return [...timers].sort((a, b) => a.atSeconds - b.atSeconds || a.ticket - b.ticket)[0];
}

describe('TimerQueue', () => {
  it('keeps the earliest (time, ticket) at the head through any additions and removals', () => {
    const operation = fc.oneof(
      fc.record({ add: fc.integer({ min: 0, max: 20 }) }),
      fc.record({ remove: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 200 }), (operations) => {
        const queue = new TimerQueue();
        const model: PendingTimer[] = [];
        let ids = 0;
        for (const op of operations) {
          if ('add' in op) {
            const timer = { timerId: ids, atSeconds: op.add, ticket: ids, queueIndex: -1 };
            ids++;
            queue.add(timer);
            model.push(timer);
          } else if (model.length > 0) {
            const [gone] = model.splice(op.remove % model.length, 1);
            expect(queue.remove(gone!)).toBe(true);
            expect(queue.remove(gone!)).toBe(false);
            expect(gone!.queueIndex).toBe(-1);
          }
          expect(queue.size).toBe(model.length);
          expect(queue.peek()).toEqual(earliest(model));
        }
      }),
      { seed: 7, numRuns: 300 },
    );
  });

  it('orders equal times by ticket and refuses a timer already pending', () => {
    const queue = new TimerQueue();
    const later = { timerId: 1, atSeconds: 5, ticket: 9, queueIndex: -1 };
    queue.add(later);
    queue.add({ timerId: 2, atSeconds: 5, ticket: 3, queueIndex: -1 });
    expect(queue.peek()?.timerId).toBe(2);
    expect(() => queue.add(later)).toThrow(/already pending/);
    queue.clear();
    expect(queue.peek()).toBeUndefined();
    expect(later.queueIndex).toBe(-1);
  });

  it('does not remove a timer that another queue holds', () => {
    const mine = new TimerQueue();
    const other = new TimerQueue();
    const timer = { timerId: 1, atSeconds: 5, ticket: 1, queueIndex: -1 };
    other.add(timer);
    mine.add({ timerId: 2, atSeconds: 6, ticket: 2, queueIndex: -1 });
    expect(mine.remove(timer)).toBe(false);
    expect(other.remove(timer)).toBe(true);
  });
});
