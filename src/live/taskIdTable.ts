/**
 * Values by task id for the service's per-task bookkeeping: an open-addressing hash table
 * (linear probing, backward-shift deletion, no tombstones) over two arrays and one typed array
 * of hashes, hashed as the engine's live index hashes its ids.
 *
 * Why not a `Map`: the attempts in flight churn through it, one insertion and one deletion per
 * task, while ~1,000 are held. V8's `Map` keeps deleted entries' slots until its table is full,
 * then rehashes into a fresh table (57–115 KB at that size, so in the young generation) about
 * every thousand tasks; every such table still current at a scavenge is copied, and promoted at
 * the next. This table is reallocated only when it grows (to twice the most ever held) and
 * clears every slot it vacates, so it holds no dead value. It walks its entries in a `Map`'s
 * order (the order their task ids were set in), which the driver's rare walks keep: forgetting
 * the oldest abandoned attempt first, redelivering attempts after a restart in the order they
 * were started.
 */
import { hashOf } from '../engine/taskIndex.js';

const EMPTY = 0;
const INITIAL_CAPACITY = 64;

/** Values of type `T` by task id. */
export class TaskIdTable<T> {
  private keys: (string | undefined)[] = new Array<string | undefined>(INITIAL_CAPACITY).fill(undefined);
  private values: (T | undefined)[] = new Array<T | undefined>(INITIAL_CAPACITY).fill(undefined);
  /** Hash of the key in each slot, never 0 (0 marks an empty slot). */
  private hashes = new Int32Array(INITIAL_CAPACITY);
  /** When the key in each slot was set (a count of keys set, from 1): the walks' order. */
  private setOrder = new Float64Array(INITIAL_CAPACITY);
  private mask = INITIAL_CAPACITY - 1;
  private count = 0;
  private keysSet = 0;

  /** Task ids held. */
  get size(): number {
    return this.count;
  }

  /** The value of `taskId`, if held. */
  get(taskId: string): T | undefined {
    const i = this.slotOf(taskId, hashOf(taskId));
    return i < 0 ? undefined : this.values[i];
  }

  /** Holds `value` for `taskId`, in the place of any value it had. */
  set(taskId: string, value: T): void {
    if (2 * (this.count + 1) > this.keys.length) this.grow();
    const hash = hashOf(taskId);
    // One probe both finds the key and the free slot at the end of its run.
    let i = hash & this.mask;
    for (let h = this.hashes[i]!; h !== EMPTY; h = this.hashes[i]!) {
      if (h === hash && this.keys[i] === taskId) {
        this.values[i] = value;
        return;
      }
      i = (i + 1) & this.mask;
    }
    this.hashes[i] = hash;
    this.keys[i] = taskId;
    this.values[i] = value;
    this.setOrder[i] = ++this.keysSet;
    this.count++;
  }

  /** Forgets `taskId`; returns whether it was held. */
  delete(taskId: string): boolean {
    let i = this.slotOf(taskId, hashOf(taskId));
    if (i < 0) return false;
    // Backward-shift deletion: later members of the probe run move into the hole, so lookups
    // never meet a tombstone.
    for (let j = (i + 1) & this.mask; ; j = (j + 1) & this.mask) {
      const h = this.hashes[j]!;
      if (h === EMPTY) break;
      const home = h & this.mask;
      // The member at j may move to i only if i lies on its probe path (home … j, cyclically).
      if (((j - home) & this.mask) >= ((j - i) & this.mask)) {
        this.hashes[i] = h;
        this.keys[i] = this.keys[j];
        this.values[i] = this.values[j];
        this.setOrder[i] = this.setOrder[j]!;
        i = j;
      }
    }
    this.hashes[i] = EMPTY;
    this.keys[i] = undefined;
    this.values[i] = undefined;
    this.count--;
    return true;
  }

  /**
   * Every task id held with its value, in the order the task ids were set in (as a `Map` walks:
   * replacing a value keeps its place). Forgetting any task id during the walk is safe: one not
   * reached yet is skipped; one set during the walk is not visited. Allocates the order up front:
   * for the rare walks, not per task.
   */
  *entries(): IterableIterator<[string, T]> {
    const slots: number[] = [];
    for (let i = 0; i < this.hashes.length; i++) if (this.hashes[i] !== EMPTY) slots.push(i);
    slots.sort((a, b) => this.setOrder[a]! - this.setOrder[b]!);
    const taskIds = slots.map((i) => this.keys[i]!);
    const setOrders = slots.map((i) => this.setOrder[i]!);
    for (let n = 0; n < taskIds.length; n++) {
      const taskId = taskIds[n]!;
      const i = this.slotOf(taskId, hashOf(taskId));
      // Forgotten during the walk (or forgotten and set again: a new place, after the walk's).
      if (i < 0 || this.setOrder[i] !== setOrders[n]) continue;
      yield [taskId, this.values[i]!];
    }
  }

  /**
   * The value whose task id was set earliest among those `test` picks, or undefined: what the
   * first pick of a walk of {@link entries} would be, found in one pass over the slots without
   * the walk's sort (for callers on a path taken per task).
   */
  oldestWhere(test: (value: T) => boolean): T | undefined {
    let found = -1;
    for (let i = 0; i < this.hashes.length; i++) {
      if (this.hashes[i] === EMPTY || (found >= 0 && this.setOrder[i]! > this.setOrder[found]!)) continue;
      if (test(this.values[i]!)) found = i;
    }
    return found < 0 ? undefined : this.values[found];
  }

  /** Forgets every task id (the table keeps its capacity). */
  clear(): void {
    this.keys.fill(undefined);
    this.values.fill(undefined);
    this.hashes.fill(EMPTY);
    this.setOrder.fill(0);
    this.count = 0;
  }

  /** The slot holding `taskId`, or -1. */
  private slotOf(taskId: string, hash: number): number {
    for (let i = hash & this.mask; ; i = (i + 1) & this.mask) {
      const h = this.hashes[i]!;
      if (h === EMPTY) return -1;
      if (h === hash && this.keys[i] === taskId) return i;
    }
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const oldHashes = this.hashes;
    const oldSetOrder = this.setOrder;
    const capacity = oldKeys.length * 2;
    this.keys = new Array<string | undefined>(capacity).fill(undefined);
    this.values = new Array<T | undefined>(capacity).fill(undefined);
    this.hashes = new Int32Array(capacity);
    this.setOrder = new Float64Array(capacity);
    this.mask = capacity - 1;
    for (let old = 0; old < oldKeys.length; old++) {
      const hash = oldHashes[old]!;
      if (hash === EMPTY) continue;
      let i = hash & this.mask;
      while (this.hashes[i] !== EMPTY) i = (i + 1) & this.mask;
      this.hashes[i] = hash;
      this.keys[i] = oldKeys[old];
      this.values[i] = oldValues[old];
      this.setOrder[i] = oldSetOrder[old]!;
    }
    // The old arrays may already be in the old generation: empty them so they keep nothing alive.
    oldKeys.fill(undefined);
    oldValues.fill(undefined);
  }
}
