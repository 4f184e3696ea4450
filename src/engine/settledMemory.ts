/**
 * A bounded memory of settled task ids and their final states, so that a task submitted later
 * can depend on one that already finished. Oldest ids are forgotten first (TigerBeetle: a limit
 * on everything).
 */
import type { FinalTaskState, TaskId } from './task.js';

/** Remembers the final state of at most `capacity` settled tasks. */
export class SettledMemory {
  private readonly states = new Map<TaskId, FinalTaskState>();
  // Grows to `capacity` as ids arrive, then is reused as a ring.
  private readonly order: TaskId[] = [];
  private next = 0;

  /** @param capacity - ids remembered; 0 remembers none. */
  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new Error(`settled memory capacity must be an integer >= 0, got ${capacity}`);
  }

  /** Records that `id` settled in `state`, forgetting the oldest id when full. */
  add(id: TaskId, state: FinalTaskState): void {
    if (this.capacity === 0) return;
    if (this.order.length < this.capacity) this.order.push(id);
    else {
      this.states.delete(this.order[this.next]!);
      this.order[this.next] = id;
    }
    this.next = (this.next + 1) % this.capacity;
    this.states.set(id, state);
  }

  /** The final state of `id`, if remembered. */
  get(id: TaskId): FinalTaskState | undefined {
    return this.states.get(id);
  }

  /** Every remembered id with its final state, oldest first (adding them in this order rebuilds the memory). */
  entries(): [TaskId, FinalTaskState][] {
    const oldestFirst = this.order.length < this.capacity ? this.order : [...this.order.slice(this.next), ...this.order.slice(0, this.next)];
    return oldestFirst.map((id) => [id, this.states.get(id)!]);
  }

  /** True if `id` is remembered as settled. */
  has(id: TaskId): boolean {
    return this.states.size > 0 && this.states.has(id);
  }
}
