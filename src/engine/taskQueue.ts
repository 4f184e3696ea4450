/**
 * The queue of tasks waiting for an agent: priority first (0 before 4), then, within a
 * priority, FIFO, earliest deadline first, or fair across tenants. One ring buffer per priority
 * level makes FIFO push and pop O(1); under EDF a newcomer is inserted from the back, past the
 * tasks due after it (O(1) when tasks arrive roughly in deadline order, as they do with similar
 * relative deadlines); under `fair` each level is a ring per tenant served by virtual token
 * counters (src/engine/fairLevel.ts, O(log tenants)). Removal from the middle (expiry,
 * cancellation) is lazy: the task's `queueEntry` no longer matches the entry, and the entry is
 * skipped when it reaches either end.
 *
 * The levels are allocated when the queue first gets a task: every agent has a queue, and under
 * late binding (or in a large fleet where most agents never queue anything) most of them stay
 * empty, so an empty queue costs one small object instead of five rings of 16 slots.
 */
import { FairLevel } from './fairLevel.js';
import { PRIORITY_LEVELS, type TaskRecord } from './task.js';
import { Ring } from './taskRing.js';
import type { TenantCounters } from './tenantCounters.js';

/**
 * Order within a priority level: `fifo` (arrival order), `deadline` (earliest deadline first;
 * tasks without a deadline after those with one; ties in arrival order) or `fair` (the oldest
 * task of the tenant with the least service so far; see src/engine/tenantCounters.ts).
 */
export type QueueOrder = 'fifo' | 'deadline' | 'fair';

/** Every queue order, for schemas and messages. */
export const QUEUE_ORDERS: readonly QueueOrder[] = ['fifo', 'deadline', 'fair'];

/** Hands out entry numbers, shared by every queue of one engine so that entries are unique. */
export interface EntryCounter {
  /** The entry number the next queued task gets. */
  next: number;
}

/** One priority level of a queue, whatever its order. */
type Level = Ring | FairLevel;

/** Stands for the levels of a queue that has never held a task: nothing to find in it. */
const NO_LEVELS: readonly Level[] = [];

/** A queue of tasks: priority first, then the given order. */
export class TaskQueue {
  private rings: readonly Level[] = NO_LEVELS;
  private live = 0;
  private tokens = 0;

  /**
   * @param counter - entry numbers, shared by every queue of one engine.
   * @param order - order within a priority level.
   * @param tenantCounters - the engine's virtual token counters; required by the `fair` order.
   */
  constructor(
    private readonly counter: EntryCounter,
    private readonly order: QueueOrder = 'fifo',
    private readonly tenantCounters?: TenantCounters,
  ) {
    if (order === 'fair' && tenantCounters === undefined) throw new Error('the fair queue order needs the engine\'s tenant counters');
  }

  /** Tasks in the queue. */
  get size(): number {
    return this.live;
  }

  /** Sum of the queued tasks' tokens. */
  get queuedTokens(): number {
    return this.tokens;
  }

  /** Queues `task`: behind every task of its priority (FIFO), by its deadline (EDF), or behind its tenant's (fair). */
  push(task: TaskRecord): void {
    if (task.queueEntry !== 0) throw new Error(`task ${task.spec.id} is already queued`);
    const entry = ++this.counter.next;
    task.queueEntry = entry;
    if (this.rings === NO_LEVELS) this.makeLevels();
    this.rings[task.priority]!.push(task, entry);
    this.live++;
    this.tokens += task.spec.tokens;
  }

  /** The first task in queue order (most urgent; oldest or earliest due), without removing it. */
  peek(): TaskRecord | undefined {
    // By index, not for-of: late binding's dispatch inlines this once per task, and the
    // iterator's checks cost ~0.5% of an M/M/10 run's instructions there.
    const rings = this.rings;
    for (let p = 0; p < rings.length; p++) {
      const task = rings[p]!.front();
      if (task !== undefined) return task;
    }
    return undefined;
  }

  /** Removes and returns the first task in queue order. */
  shift(): TaskRecord | undefined {
    // By index, as peek: early binding's refill takes every task through here.
    const rings = this.rings;
    for (let p = 0; p < rings.length; p++) {
      const ring = rings[p]!;
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
    // Cheap exact removal at either end; otherwise lazily, by invalidating the entry.
    this.rings[task.priority]!.removeAtEnds(task);
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

  /**
   * The queue's first task: its levels now. A method of its own because the arrow that makes
   * them captures `this`, and a function holding a closure allocates its context on every call
   * (40 bytes a push when this was inline in `push`), whether the closure is made or not.
   */
  private makeLevels(): void {
    this.rings = Array.from({ length: PRIORITY_LEVELS }, () => this.newLevel());
  }

  private newLevel(): Level {
    if (this.order === 'fair') return new FairLevel(this.tenantCounters!);
    return new Ring(this.order === 'deadline');
  }

  private forget(task: TaskRecord): void {
    task.queueEntry = 0;
    this.live--;
    this.tokens -= task.spec.tokens;
  }
}

/**
 * The one empty queue that stands for every agent's own queue until a task is first routed to it
 * (`EngineState.ownQueue`): under late binding, and for most agents of a large fleet, that is
 * never, so 100,000 agents cost no 100,000 queues. Nothing is ever put into it (only tasks in a
 * queue are taken out of one), so engines can share it. Not frozen: freezing it made V8's code
 * for every queue slower (13% more instructions on M/M/10).
 */
export const NO_QUEUE: TaskQueue = new TaskQueue({ next: 0 });
