/**
 * The default clock of a data directory: seconds of wall-clock time since the directory's epoch
 * (the Unix time in milliseconds written in its log header when it was created), so that times
 * in the log keep meaning across restarts, read from the monotonic `performance.now()` while the
 * process runs, and never below a floor (the last `now` in the log), so that a wall clock set
 * back between two runs cannot make the engine's time go backwards.
 */
import { RealClock, type Clock, type RealClockOptions, type TimerHandle } from './clock.js';

/** A {@link Clock} counting wall-clock seconds since an epoch; monotonic, raised to a floor on demand. */
export class EpochClock implements Clock {
  private readonly real: RealClock;
  /** Seconds added to the real clock's reading. */
  private offsetSeconds: number;

  /**
   * @param epochMs - Unix time (ms) of time 0.
   * @param options - as for {@link RealClock}.
   */
  constructor(epochMs: number, options: RealClockOptions = {}) {
    this.real = new RealClock(options);
    this.offsetSeconds = (Date.now() - epochMs) / 1000 - this.real.now();
  }

  /**
   * Makes the clock read at least `floorSeconds` from now on. Call it before setting timers:
   * timers already set keep their real-clock deadlines.
   */
  raiseTo(floorSeconds: number): void {
    const now = this.now();
    if (now < floorSeconds) this.offsetSeconds += floorSeconds - now;
  }

  /** {@inheritDoc Clock.now} */
  now(): number {
    return this.real.now() + this.offsetSeconds;
  }

  /** {@inheritDoc Clock.setTimer} */
  setTimer(atSeconds: number, callback: () => void, ticket?: number): TimerHandle {
    return this.real.setTimer(atSeconds - this.offsetSeconds, callback, ticket);
  }

  /** {@inheritDoc Clock.clearTimer} */
  clearTimer(handle: TimerHandle): void {
    this.real.clearTimer(handle);
  }

  /** {@inheritDoc Clock.ticket} */
  ticket(): number {
    return this.real.ticket();
  }

  /** False: real time cannot order equal deadlines (see {@link Clock.pendingBefore}). */
  pendingBefore(): boolean {
    return false;
  }
}
