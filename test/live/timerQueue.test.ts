/**
 * The driver's timer queue gives the earliest pending timer by (time, ticket), and that timer's
 * time and ticket, whatever the order of additions and removals (checked against a sorted list by
 * fast-check, past the queue's first column size).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimerQueue, type PendingTimer } from '../../src/live/timerQueue.js';

interface Timer extends PendingTimer {
  readonly id: number;
  readonly atSeconds: number;
  readonly ticket: number;
}

function earliest(timers: readonly Timer[]): Timer | undefined {
  return [...timers].sort((a, b) => a.atSeconds - b.atSeconds || a.ticket - b.ticket)[0];
}

function timer(id: number, atSeconds: number, ticket: number): Timer {
  return { id, atSeconds, ticket, queueIndex: -1 };
}

describe('TimerQueue', () => {
  it('keeps the earliest (time, ticket) at the head through any additions and removals', () => {
    const operation = fc.oneof(
      { weight: 3, arbitrary: fc.record({ add: fc.double({ min: 0, max: 20, noNaN: true }), ticket: fc.nat({ max: 2 ** 40 }) }) },
      { weight: 1, arbitrary: fc.record({ remove: fc.nat() }) },
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 300 }), (operations) => {
        const queue = new TimerQueue<Timer>();
        const model: Timer[] = [];
        let ids = 0;
        for (const op of operations) {
          if ('add' in op) {
            // Tickets are unique among timers of one time: the id breaks a drawn tie.
            const added = timer(ids, op.add, op.ticket * 1000 + ids);
            ids++;
            queue.add(added, added.atSeconds, added.ticket);
            model.push(added);
          } else if (model.length > 0) {
            const [gone] = model.splice(op.remove % model.length, 1);
            expect(queue.remove(gone!)).toBe(true);
            expect(queue.remove(gone!)).toBe(false);
            expect(gone!.queueIndex).toBe(-1);
          }
          expect(queue.size).toBe(model.length);
          const head = earliest(model);
          expect(queue.peek()).toBe(head);
          expect(queue.peekSeconds()).toBe(head?.atSeconds ?? Number.POSITIVE_INFINITY);
          if (head !== undefined) expect(queue.peekTicket()).toBe(head.ticket);
        }
      }),
      { seed: 7, numRuns: 300 },
    );
  });

  it('orders equal times by ticket and refuses a timer already pending', () => {
    const queue = new TimerQueue<Timer>();
    const later = timer(1, 5, 9);
    queue.add(later, 5, 9);
    queue.add(timer(2, 5, 3), 5, 3);
    expect(queue.peek()?.id).toBe(2);
    expect(queue.peekTicket()).toBe(3);
    expect(() => queue.add(later, 5, 9)).toThrow(/already pending/);
    queue.clear();
    expect(queue.peek()).toBeUndefined();
    expect(queue.peekSeconds()).toBe(Number.POSITIVE_INFINITY);
    expect(later.queueIndex).toBe(-1);
  });

  it('does not remove a timer that another queue holds', () => {
    const mine = new TimerQueue<Timer>();
    const other = new TimerQueue<Timer>();
    const held = timer(1, 5, 1);
    other.add(held, 5, 1);
    mine.add(timer(2, 6, 2), 6, 2);
    expect(mine.remove(held)).toBe(false);
    expect(other.remove(held)).toBe(true);
  });
});
