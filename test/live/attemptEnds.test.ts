/**
 * Attempts' ends on a manual clock as the simulator schedules them: at their time, in ticket
 * order at equal times; a pause keeps the remaining time (the suspended end's timer still fires,
 * doing nothing) and a resume ends the attempt that long after; pausing or resuming what is not
 * there is an error naming the owner and the attempt; closed, it ends nothing more and leaves no
 * timer on the clock.
 */
import { describe, expect, it } from 'vitest';
import { AttemptEnds } from '../../src/live/attemptEnds.js';
import { ManualClock } from '../../src/live/clock.js';

describe('AttemptEnds', () => {
  it('ends attempts at their times, equal times in the order of their tickets', () => {
    const clock = new ManualClock();
    const ends = new AttemptEnds(clock, 'test');
    const ended: string[] = [];
    const early = clock.ticket();
    ends.schedule('b', 1, 5, () => ended.push(`b@${clock.now()}`));
    ends.schedule('a', 1, 5, () => ended.push(`a@${clock.now()}`), early);
    ends.schedule('c', 2, 3, () => ended.push(`c@${clock.now()}`));
    clock.runUntilIdle();
    expect(ended).toEqual(['c@3', 'a@5', 'b@5']);
  });

  it('ends nothing once closed, running or paused, and leaves no timer on the clock', () => {
    const clock = new ManualClock();
    const ends = new AttemptEnds(clock, 'test');
    const ended: string[] = [];
    ends.schedule('a', 1, 5, () => ended.push('a'));
    ends.schedule('b', 1, 8, () => ended.push('b'));
    ends.schedule('c', 1, 2, () => ended.push('c'));
    ends.schedule('d', 1, 9, () => ended.push('d'));
    clock.advanceTo(1);
    ends.pause('b', 1);
    // d's first end stays set, suspended, while its resumed end is set again.
    ends.pause('d', 1);
    ends.resume('d', 1);
    ends.close();
    expect(clock.nextDueTime()).toBe(Number.POSITIVE_INFINITY);
    clock.runUntilIdle();
    expect(ended).toEqual([]);
    expect(() => ends.resume('b', 1)).toThrow(/resume of b attempt 1, which was not paused/);
  });

  it('keeps a paused attempt\'s remaining time and ends it that long after its resume', () => {
    const clock = new ManualClock();
    const ends = new AttemptEnds(clock, 'test');
    const ended: number[] = [];
    ends.schedule('t1', 1, 10, () => ended.push(clock.now()));
    clock.advanceTo(4);
    ends.pause('t1', 1);
    clock.advanceTo(20);
    expect(ended).toEqual([]);
    ends.resume('t1', 1);
    expect(clock.nextDueTime()).toBe(26);
    clock.runUntilIdle();
    expect(ended).toEqual([26]);
  });

  it('lets a suspended end\'s timer fire, doing nothing, as the simulator\'s cancelled event does', () => {
    const clock = new ManualClock();
    const ends = new AttemptEnds(clock, 'test');
    ends.schedule('t1', 1, 10, () => { throw new Error('ended while paused'); });
    clock.advanceTo(2);
    ends.pause('t1', 1);
    expect(clock.pending).toBe(1);
    expect(clock.next()).toBe(true);
    expect(clock.now()).toBe(10);
  });

  it('refuses to pause an attempt not running, or resume one not paused, naming its owner and the attempt', () => {
    const ends = new AttemptEnds(new ManualClock(), 'emulated agents');
    expect(() => ends.pause('t9', 2)).toThrow('emulated agents: pause of t9 attempt 2, which has no running attempt');
    ends.schedule('t9', 2, 5, () => undefined);
    expect(() => ends.resume('t9', 2)).toThrow('emulated agents: resume of t9 attempt 2, which was not paused');
    ends.pause('t9', 2);
    expect(() => ends.pause('t9', 2)).toThrow(/which has no running attempt/);
  });
});
