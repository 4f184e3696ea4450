/**
 * Values by (task id, attempt number), looked up by the task id alone and then the attempt
 * number, instead of by a key string made of both: such a string (a concatenation, flattened
 * when hashed) was made by every start queued and every report of an agent, and kept as long as
 * the attempt. Most tasks have one attempt awaited at a time; the values of one task are chained
 * through a link of their own (`next` by default). Used by the live driver (its attempts) and
 * the remote agents (the same attempts, awaiting reports: linked through another field, so that
 * one object sits in both maps).
 */

/** The fields an {@link AttemptMap} may link a task's values through. */
export type AttemptLink = 'next' | 'connectorNext';

/**
 * A value the map can hold: it carries its attempt number and its link `L` to the task's other
 * attempts (the map's own link: set by the map only).
 */
export type AttemptEntry<T, L extends AttemptLink = 'next'> = { readonly attempt: number } & { [K in L]: T | undefined };

/** Values by task id and attempt number. */
export class AttemptMap<T extends AttemptEntry<T, L>, L extends AttemptLink = 'next'> {
  private readonly byTask = new Map<string, T>();
  private count = 0;

  /** @param link - the field the values of one task are chained through. */
  constructor(private readonly link: L = 'next' as L) {}

  /** Values held. */
  get size(): number {
    return this.count;
  }

  /** The value of attempt `attempt` of `taskId`, if held. */
  get(taskId: string, attempt: number): T | undefined {
    let entry = this.byTask.get(taskId);
    while (entry !== undefined && entry.attempt !== attempt) entry = this.linkOf(entry);
    return entry;
  }

  /** Holds `value` for attempt `value.attempt` of `taskId`, in the place of any value of that attempt. */
  set(taskId: string, value: T): void {
    this.delete(taskId, value.attempt);
    this.setLink(value, this.byTask.get(taskId));
    this.byTask.set(taskId, value);
    this.count++;
  }

  /** Forgets attempt `attempt` of `taskId`; returns whether it was held. */
  delete(taskId: string, attempt: number): boolean {
    const head = this.byTask.get(taskId);
    if (head === undefined) return false;
    if (head.attempt === attempt) {
      const next = this.linkOf(head);
      if (next === undefined) this.byTask.delete(taskId);
      else this.byTask.set(taskId, next);
      this.setLink(head, undefined);
      this.count--;
      return true;
    }
    for (let previous = head, entry = this.linkOf(head); entry !== undefined; previous = entry, entry = this.linkOf(entry)) {
      if (entry.attempt === attempt) {
        this.setLink(previous, this.linkOf(entry));
        this.setLink(entry, undefined);
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
        const next: T | undefined = this.linkOf(entry);
        yield entry;
        entry = next;
      }
    }
  }

  /** Forgets every value. */
  clear(): void {
    for (const value of this.values()) this.setLink(value, undefined);
    this.byTask.clear();
    this.count = 0;
  }

  /** Forgets every value `drop` picks. */
  deleteWhere(drop: (value: T) => boolean): void {
    for (const [taskId, head] of this.byTask) {
      for (let entry: T | undefined = head; entry !== undefined;) {
        const next: T | undefined = this.linkOf(entry);
        if (drop(entry)) this.delete(taskId, entry.attempt);
        entry = next;
      }
    }
  }

  /** The next value of the same task. */
  private linkOf(value: T): T | undefined {
    return value[this.link] as T | undefined;
  }

  /** Sets the next value of the same task. */
  private setLink(value: T, next: T | undefined): void {
    (value as { [K in L]: T | undefined })[this.link] = next;
  }
}
