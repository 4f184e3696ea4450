/**
 * Time for the live driver: a {@link Clock} reads monotonic seconds and runs callbacks at given
 * times. {@link RealClock} is the process's own time; {@link ManualClock} moves only when told,
 * for tests and for replaying a simulated run through the live driver.
 *
 * Timers due at the same time fire in ticket order: every timer takes a ticket (a number from
 * one counter) when it is set, unless its setter passes one it reserved earlier with
 * {@link Clock.ticket}. This lets a driver that keeps one runtime timer for many deadlines
 * re-arm it without losing its place among other timers of the same instant.
 */
import { TimerQueue, type PendingTimer } from './timerQueue.js';

/** Identifies a timer set on a {@link Clock}. */
export type TimerHandle = number;

/** A monotonic clock with timers, in seconds. */
export interface Clock {
  /** Seconds since the clock's origin; never decreases. */
  now(): number;
  /**
   * Runs `callback` once at `atSeconds`, never before (on a later turn when that time has passed).
   * `ticket` orders it among timers due at the same time (a fresh one when absent).
   */
  setTimer(atSeconds: number, callback: () => void, ticket?: number): TimerHandle;
  /** Cancels a timer; unknown or fired handles are ignored. */
  clearTimer(handle: TimerHandle): void;
  /** Reserves a ticket: a place, among timers of the same time, after every ticket taken so far. */
  ticket(): number;
  /**
   * Whether a pending timer fires before one at (`atSeconds`, `ticket`). A clock that cannot
   * order equal deadlines (real time) answers false.
   */
  pendingBefore(atSeconds: number, ticket: number): boolean;
}

/** Options of a {@link RealClock}. */
export interface RealClockOptions {
  /**
   * Whether the clock's pending timers let the process exit (Node's `unref`). Default false:
   * a pending timer keeps the process alive until it fires or is cleared.
   */
  readonly unref?: boolean;
}

/** Node caps a timeout at 2^31 − 1 ms; a later deadline is reached by re-arming. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** The process's monotonic time (`performance.now()`), from the clock's creation, with `setTimeout`. */
export class RealClock implements Clock {
  private readonly originMs = performance.now();
  private readonly timers = new Map<TimerHandle, ReturnType<typeof setTimeout>>();
  private nextHandle = 1;
  private tickets = 0;

  /** @param options - see {@link RealClockOptions}. */
  constructor(private readonly options: RealClockOptions = {}) {}

  /** {@inheritDoc Clock.now} */
  now(): number {
    return (performance.now() - this.originMs) / 1000;
  }

  /** {@inheritDoc Clock.setTimer} */
  setTimer(atSeconds: number, callback: () => void, ticket?: number): TimerHandle {
    if (ticket === undefined) this.tickets++;
    const handle = this.nextHandle++;
    this.arm(handle, atSeconds, callback);
    return handle;
  }

  private arm(handle: TimerHandle, atSeconds: number, callback: () => void): void {
    const delayMs = Math.max(0, Math.ceil((atSeconds - this.now()) * 1000));
    const timeout = setTimeout(() => {
      // Node measures timeouts from its cached loop time, so one may fire a little early (and a
      // long one is capped): until the time has come, wait again.
      if (this.now() < atSeconds) {
        this.arm(handle, atSeconds, callback);
        return;
      }
      this.timers.delete(handle);
      callback();
    }, Math.min(delayMs, MAX_DELAY_MS));
    if (this.options.unref === true) timeout.unref();
    this.timers.set(handle, timeout);
  }

  /** {@inheritDoc Clock.clearTimer} */
  clearTimer(handle: TimerHandle): void {
    const timeout = this.timers.get(handle);
    if (timeout === undefined) return;
    clearTimeout(timeout);
    this.timers.delete(handle);
  }

  /** {@inheritDoc Clock.ticket} */
  ticket(): number {
    return this.tickets++;
  }

  /** False: real time cannot order equal deadlines (see {@link Clock.pendingBefore}). */
  pendingBefore(): boolean {
    return false;
  }

  /** Timers set and not yet fired or cleared. */
  get pending(): number {
    return this.timers.size;
  }
}

/** A manual clock's timer. */
interface ManualTimer extends PendingTimer {
  readonly handle: TimerHandle;
  readonly callback: () => void;
}

/**
 * A clock that moves only when told: {@link ManualClock.next} jumps to the earliest pending
 * timer and fires it, {@link ManualClock.advanceTo} fires every timer due by a time. Timers fire
 * in (time, ticket) order, so timers set for the same time fire in the order they were set.
 * Callbacks run synchronously inside `next` and `advanceTo`; promises they settle run after.
 */
export class ManualClock implements Clock {
  private current: number;
  private tickets = 0;
  private nextHandle = 1;
  private readonly timers = new TimerQueue<ManualTimer>();
  /** The pending timers by handle, for {@link clearTimer}. */
  private readonly byHandle = new Map<TimerHandle, ManualTimer>();

  /** @param startSeconds - the clock's first reading. */
  constructor(startSeconds = 0) {
    this.current = startSeconds;
  }

  /** {@inheritDoc Clock.now} */
  now(): number {
    return this.current;
  }

  /** {@inheritDoc Clock.setTimer} */
  setTimer(atSeconds: number, callback: () => void, ticket?: number): TimerHandle {
    if (Number.isNaN(atSeconds)) throw new Error('ManualClock.setTimer: time is NaN');
    const handle = this.nextHandle++;
    const timer: ManualTimer = { handle, callback, queueIndex: -1 };
    this.byHandle.set(handle, timer);
    this.timers.add(timer, atSeconds, ticket ?? this.tickets++);
    return handle;
  }

  /** {@inheritDoc Clock.clearTimer} */
  clearTimer(handle: TimerHandle): void {
    const timer = this.byHandle.get(handle);
    if (timer === undefined) return;
    this.byHandle.delete(handle);
    this.timers.remove(timer);
  }

  /** {@inheritDoc Clock.ticket} */
  ticket(): number {
    return this.tickets++;
  }

  /** {@inheritDoc Clock.pendingBefore} */
  pendingBefore(atSeconds: number, ticket: number): boolean {
    if (this.timers.size === 0) return false;
    const headSeconds = this.timers.peekSeconds();
    return headSeconds < atSeconds || (headSeconds === atSeconds && this.timers.peekTicket() < ticket);
  }

  /** Timers set and not yet fired or cleared. */
  get pending(): number {
    return this.timers.size;
  }

  /** When the earliest pending timer is due (Infinity when none is). */
  nextDueTime(): number {
    return this.timers.peekSeconds();
  }

  /**
   * Jumps to the earliest pending timer (the clock never goes back: a timer set in the past fires
   * at the current time) and fires it. Returns false when no timer is pending.
   */
  next(): boolean {
    const timer = this.timers.peek();
    if (timer === undefined) return false;
    const atSeconds = this.timers.peekSeconds();
    this.clearTimer(timer.handle);
    if (atSeconds > this.current) this.current = atSeconds;
    timer.callback();
    return true;
  }

  /** Fires, in order, every timer due by `atSeconds` (those its callbacks set too), then reads `atSeconds`. */
  advanceTo(atSeconds: number): void {
    if (atSeconds < this.current) throw new Error(`ManualClock.advanceTo(${atSeconds}): the clock reads ${this.current} and never goes back`);
    while (this.nextDueTime() <= atSeconds) this.next();
    this.current = atSeconds;
  }

  /**
   * Fires timers until none is pending; throws after `maxTimers` (timers that keep re-arming
   * themselves would otherwise never let it return). Returns the number fired.
   */
  runUntilIdle(maxTimers = 1_000_000): number {
    let fired = 0;
    while (this.next()) {
      if (++fired >= maxTimers && this.pending > 0) throw new Error(`ManualClock.runUntilIdle: still busy after ${fired} timers`);
    }
    return fired;
  }
}
