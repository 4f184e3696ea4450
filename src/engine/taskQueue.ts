/**
 * The queue of tasks waiting for an agent: priority first (0 before 4), then FIFO. One ring
 * buffer per priority level makes push and pop O(1). Removal from the middle (expiry,
 * cancellation) is lazy: the task's `queueEntry` no longer matches the entry, and the entry is
 * skipped when it reaches either end.
 */
import { PRIORITY_LEVELS, type TaskRecord } from './task.js';

/** Hands out entry numbers, shared by every queue of one engine so that entries are unique. */
export interface EntryCounter {
  next: number;
}

class Ring {
  items: (TaskRecord | undefined)[] = new Array(16);
  entries = new Float64Array(16);
  head = 0;
  length = 0;

  pushBack(task: TaskRecord, entry: number): void {
    if (this.length === this.items.length) this.grow();
    const at = (this.head + this.length) & (this.items.length - 1);
    this.items[at] = task;
    this.entries[at] = entry;
    this.length++;
  }

  /** Drops stale entries from the front; returns the first live task without removing it. */
  front(): TaskRecord | undefined {
    const mask = this.items.length - 1;
    while (this.length > 0) {
      const task = this.items[this.head]!;
      if (task.queueEntry === this.entries[this.head]) return task;
      this.items[this.head] = undefined;
      this.head = (this.head + 1) & mask;
      this.length--;
    }
    return undefined;
  }

  /** Drops stale entries from the back; returns the last live task without removing it. */
  back(): TaskRecord | undefined {
    const mask = this.items.length - 1;
    while (this.length > 0) {
      const at = (this.head + this.length - 1) & mask;
      const task = this.items[at]!;
      if (task.queueEntry === this.entries[at]) return task;
      this.items[at] = undefined;
      this.length--;
    }
    return undefined;
  }

  dropFront(): void {
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.length--;
  }

  dropBack(): void {
    this.items[(this.head + this.length - 1) & (this.items.length - 1)] = undefined;
    this.length--;
  }

  /** Live tasks front to back, at most `limit`; stops early when `visit` returns true. */
  scan(limit: number, visit: (task: TaskRecord) => boolean): number {
    const mask = this.items.length - 1;
    let seen = 0;
    for (let i = 0; i < this.length && seen < limit; i++) {
      const at = (this.head + i) & mask;
      const task = this.items[at]!;
      if (task.queueEntry !== this.entries[at]) continue;
      seen++;
      if (visit(task)) return -1;
    }
    return seen;
  }

  private grow(): void {
    const capacity = this.items.length * 2;
    const items: (TaskRecord | undefined)[] = new Array(capacity);
    const entries = new Float64Array(capacity);
    const mask = this.items.length - 1;
    for (let i = 0; i < this.length; i++) {
      items[i] = this.items[(this.head + i) & mask];
      entries[i] = this.entries[(this.head + i) & mask];
    }
    this.items = items;
    this.entries = entries;
    this.head = 0;
  }
}

/** A priority-then-FIFO queue of tasks. */
export class TaskQueue {
  private readonly rings: Ring[] = Array.from({ length: PRIORITY_LEVELS }, () => new Ring());
  private live = 0;
  private tokens = 0;

  /** @param counter - entry numbers, shared by every queue of one engine. */
  constructor(private readonly counter: EntryCounter) {}

  /** Tasks in the queue. */
  get size(): number {
    return this.live;
  }

  /** Sum of the queued tasks' tokens. */
  get queuedTokens(): number {
    return this.tokens;
  }

  /** Appends `task` behind every task of its priority. */
  push(task: TaskRecord): void {
    if (task.queueEntry !== 0) throw new Error(`task ${task.spec.id} is already queued`);
    const entry = ++this.counter.next;
    task.queueEntry = entry;
    this.rings[task.spec.priority]!.pushBack(task, entry);
    this.live++;
    this.tokens += task.spec.tokens;
  }

  /** The most urgent, oldest task, without removing it. */
  peek(): TaskRecord | undefined {
    for (const ring of this.rings) {
      const task = ring.front();
      if (task !== undefined) return task;
    }
    return undefined;
  }

  /** Removes and returns the most urgent, oldest task. */
  shift(): TaskRecord | undefined {
    for (const ring of this.rings) {
      const task = ring.front();
      if (task === undefined) continue;
      ring.dropFront();
      this.forget(task);
      return task;
    }
    return undefined;
  }

  /** The least urgent, newest task (what `shed-lowest` evicts and thieves steal), kept queued. */
  peekLeastUrgent(): TaskRecord | undefined {
    for (let p = this.rings.length - 1; p >= 0; p--) {
      const task = this.rings[p]!.back();
      if (task !== undefined) return task;
    }
    return undefined;
  }

  /** Removes `task` wherever it stands. */
  remove(task: TaskRecord): void {
    if (task.queueEntry === 0) throw new Error(`task ${task.spec.id} is not queued`);
    const ring = this.rings[task.spec.priority]!;
    // Cheap exact removal at either end; otherwise lazily, by invalidating the entry.
    if (ring.front() === task) ring.dropFront();
    else if (ring.back() === task) ring.dropBack();
    this.forget(task);
  }

  /** The lowest priority number among queued tasks, or PRIORITY_LEVELS when empty. */
  mostUrgentPriority(): number {
    for (let p = 0; p < this.rings.length; p++) if (this.rings[p]!.front() !== undefined) return p;
    return PRIORITY_LEVELS;
  }

  /**
   * Visits queued tasks in queue order, at most `limit` of them, until `visit` returns true.
   * Returns the task `visit` accepted, or undefined.
   */
  find(limit: number, visit: (task: TaskRecord) => boolean): TaskRecord | undefined {
    let found: TaskRecord | undefined;
    let left = limit;
    for (const ring of this.rings) {
      const seen = ring.scan(left, (task) => {
        if (!visit(task)) return false;
        found = task;
        return true;
      });
      if (seen < 0) return found;
      left -= seen;
      if (left <= 0) return undefined;
    }
    return undefined;
  }

  private forget(task: TaskRecord): void {
    task.queueEntry = 0;
    this.live--;
    this.tokens -= task.spec.tokens;
  }
}
