/**
 * The queue of tasks waiting for an agent: priority first (0 before 4), then, within a
 * priority, FIFO or earliest deadline first. One ring buffer per priority level makes FIFO push
 * and pop O(1); under EDF a newcomer is inserted from the back, past the tasks due after it
 * (O(1) when tasks arrive roughly in deadline order, as they do with similar relative
 * deadlines). Removal from the middle (expiry, cancellation) is lazy: the task's `queueEntry`
 * no longer matches the entry, and the entry is skipped when it reaches either end.
 *
 * The rings are allocated when the queue first gets a task: every agent has a queue, and under
 * late binding (or in a large fleet where most agents never queue anything) most of them stay
 * empty, so an empty queue costs one small object instead of five rings of 16 slots.
 */
import { PRIORITY_LEVELS, type TaskRecord } from './task.js';

/**
 * Order within a priority level: `fifo` (arrival order) or `deadline` (earliest deadline
 * first; tasks without a deadline after those with one; ties in arrival order).
 */
export type QueueOrder = 'fifo' | 'deadline';

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

  /** Inserts behind every task due no later than `task` (earliest deadline first). */
  insertByDeadline(task: TaskRecord, entry: number): void {
    if (this.length === this.items.length) this.grow();
    const mask = this.items.length - 1;
    const due = deadlineOf(task);
    let at = (this.head + this.length) & mask;
    for (let i = this.length; i > 0; i--) {
      const before = (at - 1) & mask;
      if (deadlineOf(this.items[before]!) <= due) break;
      this.items[at] = this.items[before];
      this.entries[at] = this.entries[before]!;
      at = before;
    }
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

function deadlineOf(task: TaskRecord): number {
  return task.spec.deadline ?? Number.POSITIVE_INFINITY;
}

/** Stands for the rings of a queue that has never held a task: nothing to find in it. */
const NO_RINGS: readonly Ring[] = [];

/** A queue of tasks: priority first, then the given order. */
export class TaskQueue {
  private rings: readonly Ring[] = NO_RINGS;
  private live = 0;
  private tokens = 0;

  /**
   * @param counter - entry numbers, shared by every queue of one engine.
   * @param order - order within a priority level.
   */
  constructor(private readonly counter: EntryCounter, private readonly order: QueueOrder = 'fifo') {}

  /** Tasks in the queue. */
  get size(): number {
    return this.live;
  }

  /** Sum of the queued tasks' tokens. */
  get queuedTokens(): number {
    return this.tokens;
  }

  /** Queues `task`: behind every task of its priority (FIFO), or by its deadline (EDF). */
  push(task: TaskRecord): void {
    if (task.queueEntry !== 0) throw new Error(`task ${task.spec.id} is already queued`);
    const entry = ++this.counter.next;
    task.queueEntry = entry;
    if (this.rings === NO_RINGS) this.rings = Array.from({ length: PRIORITY_LEVELS }, () => new Ring());
    const ring = this.rings[task.priority]!;
    if (this.order === 'fifo') ring.pushBack(task, entry);
    else ring.insertByDeadline(task, entry);
    this.live++;
    this.tokens += task.spec.tokens;
  }

  /** The first task in queue order (most urgent; oldest or earliest due), without removing it. */
  peek(): TaskRecord | undefined {
    for (const ring of this.rings) {
      const task = ring.front();
      if (task !== undefined) return task;
    }
    return undefined;
  }

  /** Removes and returns the first task in queue order. */
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

  /** The last task in queue order (what `shed-lowest` evicts and thieves steal), kept queued. */
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
    const ring = this.rings[task.priority]!;
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
