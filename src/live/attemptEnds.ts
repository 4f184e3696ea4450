/**
 * The ends of attempts on a {@link Clock}, scheduled as the simulator schedules its finish
 * events: each attempt ends at a time; a pause suspends its end (the timer still fires, doing
 * nothing, as the simulator's cancelled event does) and keeps the time remaining; a resume sets
 * the end again that long after, with a fresh clock ticket. Shared by the emulated agents
 * (./emulatedAgents.ts) and the virtual-time connector (./virtualTimeConnector.ts).
 */
import type { Clock, TimerHandle } from './clock.js';
import { attemptKey } from './settlements.js';

/** An attempt's end on the clock. */
interface ScheduledEnd {
  readonly key: string;
  readonly finishSeconds: number;
  readonly end: () => void;
  /** Paused: this end no longer applies. */
  cancelled: boolean;
  /** Its timer on the clock, for {@link AttemptEnds.close}. */
  timer: TimerHandle;
}

interface PausedEnd {
  readonly scheduled: ScheduledEnd;
  readonly remainingSeconds: number;
}

/** The scheduled ends of running attempts, with pause and resume. */
export class AttemptEnds {
  private readonly running = new Map<string, ScheduledEnd>();
  private readonly paused = new Map<string, PausedEnd>();
  /** Timers of paused ends, still set (each fires doing nothing, as the simulator's cancelled event), for {@link close}. */
  private readonly suspendedTimers = new Set<TimerHandle>();

  /** @param clock - where the ends are set; @param owner - names the owner in errors (`emulated agents`). */
  constructor(private readonly clock: Clock, private readonly owner: string) {}

  /**
   * Ends attempt `attempt` of `taskId` at `finishSeconds` by calling `end`, in the place of
   * `ticket` among timers of that time (a fresh ticket when absent).
   */
  schedule(taskId: string, attempt: number, finishSeconds: number, end: () => void, ticket?: number): void {
    this.set({ key: attemptKey(taskId, attempt), finishSeconds, end, cancelled: false, timer: -1 }, ticket);
  }

  /** Suspends an attempt's end, keeping its remaining time. @throws Error when the attempt is not running. */
  pause(taskId: string, attempt: number): void {
    const key = attemptKey(taskId, attempt);
    const scheduled = this.running.get(key);
    if (scheduled === undefined) throw new Error(`${this.owner}: pause of ${taskId} attempt ${attempt}, which has no running attempt`);
    scheduled.cancelled = true;
    this.suspendedTimers.add(scheduled.timer);
    this.running.delete(key);
    this.paused.set(key, { scheduled, remainingSeconds: scheduled.finishSeconds - this.clock.now() });
  }

  /** Sets a paused attempt's end again, its remaining time from now. @throws Error when the attempt is not paused. */
  resume(taskId: string, attempt: number): void {
    const key = attemptKey(taskId, attempt);
    const paused = this.paused.get(key);
    if (paused === undefined) throw new Error(`${this.owner}: resume of ${taskId} attempt ${attempt}, which was not paused`);
    this.paused.delete(key);
    this.set({ ...paused.scheduled, finishSeconds: this.clock.now() + paused.remainingSeconds, cancelled: false });
  }

  /**
   * Ends nothing more: every scheduled end's timer is cleared and paused ends are dropped, so
   * that no timer of these attempts is left on the clock (a run on a real clock that stops with
   * attempts in flight, as the simulator stops at its stop time).
   */
  close(): void {
    for (const scheduled of this.running.values()) {
      scheduled.cancelled = true;
      this.clock.clearTimer(scheduled.timer);
    }
    for (const timer of this.suspendedTimers) this.clock.clearTimer(timer);
    this.running.clear();
    this.paused.clear();
    this.suspendedTimers.clear();
  }

  private set(scheduled: ScheduledEnd, ticket?: number): void {
    this.running.set(scheduled.key, scheduled);
    scheduled.timer = this.clock.setTimer(scheduled.finishSeconds, () => {
      if (scheduled.cancelled) {
        this.suspendedTimers.delete(scheduled.timer);
        return;
      }
      if (this.running.get(scheduled.key) === scheduled) this.running.delete(scheduled.key);
      scheduled.end();
    }, ticket);
  }
}
