/**
 * Values by (task id, attempt number), looked up by the task id alone and then the attempt
 * number, instead of by a key string made of both: such a string (a concatenation, flattened
 * when hashed) was made by every start queued and every report of an agent, and kept as long as
 * the attempt. Most tasks have one attempt awaited at a time; the values of one task are chained
 * through a link of their own: `next` in the live driver's map of its attempts, `connectorNext`
 * in the remote agents' map of the same attempts awaiting reports (so that one object sits in
 * both maps).
 */
import { TaskIdTable } from './taskIdTable.js';

/** A value an {@link AttemptMap} can hold: its attempt number and its link to the task's other attempts. */
export interface AttemptEntry<T> {
  /** The attempt number it belongs to. */
  readonly attempt: number;
  /** Another attempt of the same task (the map's own link: set by the map only). */
  next: T | undefined;
}

/** A value a {@link ConnectorAttemptMap} can hold: as {@link AttemptEntry}, linked through `connectorNext`. */
export interface ConnectorAttemptEntry<T> {
  /** The attempt number it belongs to. */
  readonly attempt: number;
  /** Another attempt of the same task (the map's own link: set by the map only). */
  connectorNext: T | undefined;
}

/**
 * Values by task id and attempt number, chained through the link its subclass reads and writes
 * (a named field each: a link named by a string would make every access a keyed, megamorphic one).
 */
abstract class LinkedAttemptMap<T extends { readonly attempt: number }> {
  /** The first value of each task: a table that does not rehash as attempts come and go (see {@link TaskIdTable}). */
  private readonly byTask = new TaskIdTable<T>();
  private count = 0;

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
    for (const [, head] of this.byTask.entries()) {
      for (let entry: T | undefined = head; entry !== undefined;) {
        const next: T | undefined = this.linkOf(entry);
        yield entry;
        entry = next;
      }
    }
  }

  /**
   * The first value `test` picks in the order of {@link values}, or undefined: found in one pass
   * over the tasks, without sorting them (for callers on a path taken per task).
   */
  firstWhere(test: (value: T) => boolean): T | undefined {
    const head = this.byTask.oldestWhere((first) => this.firstOfTask(first, test) !== undefined);
    return head === undefined ? undefined : this.firstOfTask(head, test);
  }

  /** Forgets every value. */
  clear(): void {
    for (const value of this.values()) this.setLink(value, undefined);
    this.byTask.clear();
    this.count = 0;
  }

  /** Forgets every value `drop` picks. */
  deleteWhere(drop: (value: T) => boolean): void {
    for (const [taskId, head] of this.byTask.entries()) {
      for (let entry: T | undefined = head; entry !== undefined;) {
        const next: T | undefined = this.linkOf(entry);
        if (drop(entry)) this.delete(taskId, entry.attempt);
        entry = next;
      }
    }
  }

  /** The first of the values of a task, from its head `head`, that `test` picks. */
  private firstOfTask(head: T, test: (value: T) => boolean): T | undefined {
    for (let entry: T | undefined = head; entry !== undefined; entry = this.linkOf(entry)) if (test(entry)) return entry;
    return undefined;
  }

  /** The next value of the same task. */
  protected abstract linkOf(value: T): T | undefined;

  /** Sets the next value of the same task. */
  protected abstract setLink(value: T, next: T | undefined): void;
}

/** Values by task id and attempt number, linked through their `next`: the driver's attempts. */
export class AttemptMap<T extends AttemptEntry<T>> extends LinkedAttemptMap<T> {
  protected linkOf(value: T): T | undefined {
    return value.next;
  }

  protected setLink(value: T, next: T | undefined): void {
    value.next = next;
  }
}

/**
 * Values by task id and attempt number, linked through their `connectorNext`: a connector's
 * attempts (the driver's own objects, which the driver's {@link AttemptMap} links through `next`).
 */
export class ConnectorAttemptMap<T extends ConnectorAttemptEntry<T>> extends LinkedAttemptMap<T> {
  protected linkOf(value: T): T | undefined {
    return value.connectorNext;
  }

  protected setLink(value: T, next: T | undefined): void {
    value.connectorNext = next;
  }
}
