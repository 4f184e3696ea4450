/**
 * The epoch clock: wall-clock seconds since a data directory's epoch, monotonic, raised to a
 * floor (the last logged time) when the wall clock reads earlier, with timers on that scale.
 */
import { describe, expect, it } from 'vitest';
import { EpochClock } from '../../src/live/epochClock.js';

describe('EpochClock', () => {
  it('reads seconds since its epoch', () => {
    const clock = new EpochClock(Date.now() - 90_000);
    expect(clock.now()).toBeGreaterThanOrEqual(89.9);
    expect(clock.now()).toBeLessThan(95);
  });

  it('never goes backwards, and is raised to a floor but never lowered', () => {
    const clock = new EpochClock(Date.now());
    clock.raiseTo(1_000);
    const raised = clock.now();
    expect(raised).toBeGreaterThanOrEqual(1_000);
    clock.raiseTo(10);
    expect(clock.now()).toBeGreaterThanOrEqual(raised);
    let previous = clock.now();
    for (let i = 0; i < 1_000; i++) {
      const now = clock.now();
      expect(now).toBeGreaterThanOrEqual(previous);
      previous = now;
    }
  });

  it('fires a timer at a time on its own scale, not before', async () => {
    const clock = new EpochClock(Date.now() - 5_000_000);
    const due = clock.now() + 0.05;
    const firedAt = await new Promise<number>((resolve) => clock.setTimer(due, () => resolve(clock.now())));
    expect(firedAt).toBeGreaterThanOrEqual(due - 1e-6);
    expect(firedAt - due).toBeLessThan(1);
    const cleared = clock.setTimer(clock.now() + 0.01, () => {
      throw new Error('a cleared timer fired');
    });
    clock.clearTimer(cleared);
    await new Promise((resolve) => setTimeout(resolve, 30));
  });
});
