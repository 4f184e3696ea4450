/**
 * Clocks: the manual clock moves only when told and fires timers in (time, ticket) order; the
 * real clock reads monotonic seconds and fires its timers after their time.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock, RealClock } from '../../src/live/clock.js';

describe('ManualClock', () => {
  it('stands still until told, then jumps to the earliest timer and fires it', () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    clock.setTimer(5, () => fired.push('b'));
    clock.setTimer(2, () => fired.push('a'));
    expect(clock.now()).toBe(0);
    expect(clock.nextDueTime()).toBe(2);
    expect(clock.next()).toBe(true);
    expect(clock.now()).toBe(2);
    expect(fired).toEqual(['a']);
    expect(clock.next()).toBe(true);
    expect([clock.now(), fired]).toEqual([5, ['a', 'b']]);
    expect(clock.next()).toBe(false);
    expect(clock.nextDueTime()).toBe(Number.POSITIVE_INFINITY);
  });

  it('fires timers of the same time in the order they were set, a reserved ticket keeping its place', () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    const reserved = clock.ticket();
    clock.setTimer(1, () => fired.push('first set'));
    clock.setTimer(1, () => fired.push('second set'));
    clock.setTimer(1, () => fired.push('reserved before both'), reserved);
    clock.runUntilIdle();
    expect(fired).toEqual(['reserved before both', 'first set', 'second set']);
  });

  it('never fires a cleared timer', () => {
    const clock = new ManualClock();
    const fired: number[] = [];
    const handle = clock.setTimer(1, () => fired.push(1));
    clock.setTimer(2, () => fired.push(2));
    clock.clearTimer(handle);
    expect(clock.pending).toBe(1);
    clock.runUntilIdle();
    expect(fired).toEqual([2]);
  });

  it('advanceTo fires every timer due by then, those set by callbacks included, and then reads that time', () => {
    const clock = new ManualClock();
    const fired: [string, number][] = [];
    clock.setTimer(1, () => {
      fired.push(['a', clock.now()]);
      clock.setTimer(3, () => fired.push(['c', clock.now()]));
    });
    clock.setTimer(10, () => fired.push(['late', clock.now()]));
    clock.advanceTo(4);
    expect(fired).toEqual([['a', 1], ['c', 3]]);
    expect(clock.now()).toBe(4);
    expect(() => clock.advanceTo(3)).toThrow(/never goes back/);
  });

  it('fires a timer set in the past at the current time', () => {
    const clock = new ManualClock(10);
    let at = -1;
    clock.setTimer(4, () => (at = clock.now()));
    clock.next();
    expect(at).toBe(10);
  });

  it('says whether another timer comes before a given (time, ticket)', () => {
    const clock = new ManualClock();
    const early = clock.ticket();
    clock.setTimer(1, () => undefined);
    const late = clock.ticket();
    expect(clock.pendingBefore(1, early)).toBe(false);
    expect(clock.pendingBefore(1, late)).toBe(true);
    expect(clock.pendingBefore(0.5, late)).toBe(false);
  });

  it('gives up on timers that keep re-arming themselves', () => {
    const clock = new ManualClock();
    const again = (): void => void clock.setTimer(clock.now() + 1, again);
    clock.setTimer(0, again);
    expect(() => clock.runUntilIdle(50)).toThrow(/still busy after 50 timers/);
  });
});

describe('RealClock', () => {
  it('reads monotonic seconds from its creation', async () => {
    const clock = new RealClock();
    const first = clock.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = clock.now();
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first).toBeLessThan(1);
    expect(second - first).toBeGreaterThanOrEqual(0.015);
  });

  it('fires a timer no earlier than its time, and never a cleared one', async () => {
    const clock = new RealClock({ unref: true });
    const due = clock.now() + 0.03;
    let firedAt = -1;
    let clearedFired = false;
    const cleared = clock.setTimer(clock.now() + 0.01, () => (clearedFired = true));
    clock.clearTimer(cleared);
    await new Promise<void>((resolve) => clock.setTimer(due, () => {
      firedAt = clock.now();
      resolve();
    }));
    expect(firedAt).toBeGreaterThanOrEqual(due);
    expect(clearedFired).toBe(false);
    expect(clock.pending).toBe(0);
  });
});
