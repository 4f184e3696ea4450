/**
 * Pending timers ordered by (due time, ticket), as the live driver keeps the engine's timers and
 * the manual clock keeps its own: an indexed binary min-heap, so that the earliest is at hand and
 * a cancelled timer leaves at once (no tombstones piling up when most timers are cancelled, as
 * queue TTLs are). Each timer carries its own place in the heap (`queueIndex`), so that a move
 * or a removal writes a field instead of a `Map` keyed per timer: under load every attempt's
 * watchdog comes and goes through the queue, and such a `Map` rehashed into a fresh table every
 * thousand or so, tables that a scavenge then copied. The due times and tickets are kept by the
 * queue, in typed-array columns by place in the heap, not on the timers: a due time on an object
 * is a boxed double (16 bytes beside its field), and an attempt in flight is its watchdog's
 * timer, so each one carried both through every scavenge it survived. A caller that cancels
 * timers by id keeps its own index of them.
 */
import { grownColumn } from './grownColumn.js';

/** One timer: whatever the caller needs to act on it, and its place in a queue. */
export interface PendingTimer {
  /** Its place in the queue's heap, -1 when it is in none (set by the queue only). */
  queueIndex: number;
}

/** Places allocated at first, doubled as needed. */
const INITIAL_PLACES = 64;

/** Pending timers, earliest first; `T` carries what the caller needs (an id, a callback). */
export class TimerQueue<T extends PendingTimer = PendingTimer> {
  private readonly heap: T[] = [];
  /** The due time (clock seconds) of the timer at each place. */
  private dueSeconds = new Float64Array(INITIAL_PLACES);
  /** The clock ticket of the timer at each place: its order among timers due at the same time. */
  private tickets = new Float64Array(INITIAL_PLACES);

  /** Timers pending. */
  get size(): number {
    return this.heap.length;
  }

  /** The earliest timer, if any. */
  peek(): T | undefined {
    return this.heap[0];
  }

  /** When the earliest timer is due (Infinity when none is). */
  peekSeconds(): number {
    return this.heap.length === 0 ? Number.POSITIVE_INFINITY : this.dueSeconds[0]!;
  }

  /** The earliest timer's ticket (meaningless when none is pending). */
  peekTicket(): number {
    return this.tickets[0]!;
  }

  /** Adds a timer due at `atSeconds` with clock ticket `ticket`; one already pending here or in another queue throws. */
  add(timer: T, atSeconds: number, ticket: number): void {
    if (timer.queueIndex !== -1) throw new Error('the timer is already pending');
    const i = this.heap.length;
    if (i === this.dueSeconds.length) {
      this.dueSeconds = grownColumn(this.dueSeconds, new Float64Array(2 * i));
      this.tickets = grownColumn(this.tickets, new Float64Array(2 * i));
    }
    this.heap.push(timer);
    this.up(i, timer, atSeconds, ticket);
  }

  /** Removes `timer`; returns whether it was pending here. */
  remove(timer: T): boolean {
    const i = timer.queueIndex;
    if (i < 0 || this.heap[i] !== timer) return false;
    timer.queueIndex = -1;
    const lastPlace = this.heap.length - 1;
    const last = this.heap.pop()!;
    if (i < lastPlace) {
      const atSeconds = this.dueSeconds[lastPlace]!;
      const ticket = this.tickets[lastPlace]!;
      this.up(i, last, atSeconds, ticket);
      this.down(last.queueIndex, last, atSeconds, ticket);
    }
    return true;
  }

  /** Removes every timer. */
  clear(): void {
    for (const timer of this.heap) timer.queueIndex = -1;
    this.heap.length = 0;
  }

  private place(timer: T, i: number, atSeconds: number, ticket: number): void {
    this.heap[i] = timer;
    this.dueSeconds[i] = atSeconds;
    this.tickets[i] = ticket;
    timer.queueIndex = i;
  }

  /** Whether the timer at place `i` comes before one due at (`atSeconds`, `ticket`). */
  private before(i: number, atSeconds: number, ticket: number): boolean {
    const due = this.dueSeconds[i]!;
    return due < atSeconds || (due === atSeconds && this.tickets[i]! < ticket);
  }

  /** Whether a timer due at (`atSeconds`, `ticket`) comes before the timer at place `i`. */
  private comesBefore(atSeconds: number, ticket: number, i: number): boolean {
    const due = this.dueSeconds[i]!;
    return atSeconds < due || (atSeconds === due && ticket < this.tickets[i]!);
  }

  /** Places `timer` at `i` or above it, moving down the timers it comes before. */
  private up(i: number, timer: T, atSeconds: number, ticket: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.comesBefore(atSeconds, ticket, parent)) break;
      this.place(this.heap[parent]!, i, this.dueSeconds[parent]!, this.tickets[parent]!);
      i = parent;
    }
    this.place(timer, i, atSeconds, ticket);
  }

  /** Places `timer` at `i` or below it, moving up the timers that come before it. */
  private down(i: number, timer: T, atSeconds: number, ticket: number): void {
    const heap = this.heap;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && this.before(right, this.dueSeconds[left]!, this.tickets[left]!) ? right : left;
      if (!this.before(child, atSeconds, ticket)) break;
      this.place(heap[child]!, i, this.dueSeconds[child]!, this.tickets[child]!);
      i = child;
    }
    this.place(timer, i, atSeconds, ticket);
  }
}
