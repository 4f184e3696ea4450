/**
 * One ring buffer of queued tasks, the building block of every queue order (src/engine/taskQueue.ts).
 */
import type { TaskRecord } from './task.js';

/**
 * A ring buffer of queued tasks with lazy removal: an entry whose number no longer matches its
 * task's `queueEntry` is stale and skipped at either end. Appends at the back (arrival order) or,
 * `byDeadline`, inserts behind every task due no later (earliest deadline first).
 */
export class Ring {
  /** Queued tasks, a power-of-two ring. */
  items: (TaskRecord | undefined)[] = new Array(16);
  /** Each slot's entry number when queued (matched against the task's `queueEntry`). */
  entries = new Float64Array(16);
  /** Index of the front slot. */
  head = 0;
  /** Slots in use, stale entries included. */
  length = 0;

  /** @param byDeadline - insert by deadline instead of appending. */
  constructor(private readonly byDeadline = false) {}

  /** Queues `task` under entry number `entry`, in this ring's order. */
  push(task: TaskRecord, entry: number): void {
    if (this.byDeadline) this.insertByDeadline(task, entry);
    else this.pushBack(task, entry);
  }

  /** Removes `task` exactly when it stands at either end; elsewhere its stale entry is skipped later. */
  removeAtEnds(task: TaskRecord): void {
    if (this.front() === task) this.dropFront();
    else if (this.back() === task) this.dropBack();
  }

  /** Appends `task` (arrival order). */
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

  /** Removes the entry `front` returned. */
  dropFront(): void {
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.length--;
  }

  /** Removes the entry `back` returned. */
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
