/**
 * Pending timers ordered by (due time, ticket), as the live driver keeps the engine's timers and
 * the manual clock keeps its own: an indexed binary min-heap, so that the earliest is at hand and
 * a cancelled timer leaves at once (no tombstones piling up when most timers are cancelled, as
 * queue TTLs are). Each timer carries its own place in the heap (`queueIndex`), so that a move
 * or a removal writes a field instead of a `Map` keyed per timer: under load every attempt's
 * watchdog comes and goes through the queue, and such a `Map` rehashed into a fresh table every
 * thousand or so, tables that a scavenge then copied. A caller that cancels timers by id keeps
 * its own index of them.
 */

/** One timer: its id, when it is due, and its place among timers due at the same time. */
export interface PendingTimer {
  /** Unique among the timers pending in one queue. */
  readonly timerId: number;
  readonly atSeconds: number;
  /** The clock ticket reserved when the engine set it: its place among timers of the same time. */
  readonly ticket: number;
  /** Its place in the queue's heap, -1 when it is in none (set by the queue only). */
  queueIndex: number;
}

function before(a: PendingTimer, b: PendingTimer): boolean {
  return a.atSeconds < b.atSeconds || (a.atSeconds === b.atSeconds && a.ticket < b.ticket);
}

/** Pending timers, earliest first; `T` may carry more than the ordering needs (a callback). */
export class TimerQueue<T extends PendingTimer = PendingTimer> {
  private readonly heap: T[] = [];

  /** Timers pending. */
  get size(): number {
    return this.heap.length;
  }

  /** The earliest timer, if any. */
  peek(): T | undefined {
    return this.heap[0];
  }

  /** Adds a timer; one already pending here or in another queue throws. */
  add(timer: T): void {
    if (timer.queueIndex !== -1) throw new Error(`timer ${timer.timerId} is already pending`);
    this.heap.push(timer);
    this.up(this.heap.length - 1);
  }

  /** Removes `timer`; returns whether it was pending here. */
  remove(timer: T): boolean {
    const i = timer.queueIndex;
    if (i < 0 || this.heap[i] !== timer) return false;
    timer.queueIndex = -1;
    const last = this.heap.pop()!;
    if (i < this.heap.length) {
      this.place(last, i);
      this.up(i);
      this.down(last.queueIndex);
    }
    return true;
  }

  /** Removes every timer. */
  clear(): void {
    for (const timer of this.heap) timer.queueIndex = -1;
    this.heap.length = 0;
  }

  private place(timer: T, i: number): void {
    this.heap[i] = timer;
    timer.queueIndex = i;
  }

  private up(i: number): void {
    const timer = this.heap[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(timer, this.heap[parent]!)) break;
      this.place(this.heap[parent]!, i);
      i = parent;
    }
    this.place(timer, i);
  }

  private down(i: number): void {
    const heap = this.heap;
    const timer = heap[i]!;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right]!, heap[left]!) ? right : left;
      if (!before(heap[child]!, timer)) break;
      this.place(heap[child]!, i);
      i = child;
    }
    this.place(timer, i);
  }
}
