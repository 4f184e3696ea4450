/**
 * Values by (task id, attempt number), looked up by the task id alone and then the attempt
 * number, instead of by a key string made of both: such a string (a concatenation, flattened
 * when hashed) was made by every start queued and every report of an agent, and kept as long as
 * the attempt. Most tasks have one attempt awaited at a time; the values of one task are chained
 * through their own `next`. Used by the live driver (its attempts) and the remote agents
 * (their pending reports).
 */

/** A value the map can hold: it carries its attempt number and its link to the task's other attempts. */
export interface AttemptEntry<T> {
  readonly attempt: number;
  /** Another attempt of the same task (the map's own link: set by the map only). */
  next: T | undefined;
}

/** Values by task id and attempt number. */
export class AttemptMap<T extends AttemptEntry<T>> {
  private readonly byTask = new Map<string, T>();
  private count = 0;

  /** Values held. */
  get size(): number {
    return this.count;
  }

  /** The value of attempt `attempt` of `taskId`, if held. */
  get(taskId: string, attempt: number): T | undefined {
    let entry = this.byTask.get(taskId);
    while (entry !== undefined && entry.attempt !== attempt) entry = entry.next;
    return entry;
  }

  /** Holds `value` for attempt `value.attempt` of `taskId`, in the place of any value of that attempt. */
  set(taskId: string, value: T): void {
    this.delete(taskId, value.attempt);
    value.next = this.byTask.get(taskId);
    this.byTask.set(taskId, value);
    this.count++;
  }

  /** Forgets attempt `attempt` of `taskId`; returns whether it was held. */
  delete(taskId: string, attempt: number): boolean {
    const head = this.byTask.get(taskId);
    if (head === undefined) return false;
    if (head.attempt === attempt) {
      if (head.next === undefined) this.byTask.delete(taskId);
      else this.byTask.set(taskId, head.next);
      head.next = undefined;
      this.count--;
      return true;
    }
    for (let previous = head, entry = head.next; entry !== undefined; previous = entry, entry = entry.next) {
      if (entry.attempt === attempt) {
        previous.next = entry.next;
        entry.next = undefined;
        this.count--;
        return true;
      }
    }
    return false;
  }

  /** Every value held, task by task (forgetting the value just visited is safe). */
  *values(): IterableIterator<T> {
    for (const head of this.byTask.values()) {
      for (let entry: T | undefined = head; entry !== undefined;) {
        const next: T | undefined = entry.next;
        yield entry;
        entry = next;
      }
    }
  }

  /** Forgets every value. */
  clear(): void {
    for (const value of this.values()) value.next = undefined;
    this.byTask.clear();
    this.count = 0;
  }

  /** Forgets every value `drop` picks. */
  deleteWhere(drop: (value: T) => boolean): void {
    for (const [taskId, head] of this.byTask) {
      for (let entry: T | undefined = head; entry !== undefined;) {
        const next: T | undefined = entry.next;
        if (drop(entry)) this.delete(taskId, entry.attempt);
        entry = next;
      }
    }
  }
}
