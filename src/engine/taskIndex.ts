/**
 * The live tasks by id: an open-addressing hash table (linear probing, backward-shift deletion,
 * so no tombstones) over one array of records and one typed array of hashes.
 *
 * Why not a `Map`: a simulated run inserts and deletes a million ids through a table that holds
 * only a few dozen at a time. V8's `Map` rehashes into a fresh table every few dozen changes;
 * once such a table has lived long enough to be promoted to the old generation, the discarded
 * copy still points at young task records, which keeps them (and their specs) alive through
 * every scavenge until the next full collection. Measured on the M/M/10 benchmark: 4–5 MB
 * survived each scavenge instead of 0.4 MB, and scavenges took 13 ms instead of 1. This table
 * is reallocated only when it grows, clears every slot it vacates, and so holds no dead task.
 */
import { mix32 } from './hash.js';
import type { TaskId, TaskRecord } from './task.js';

/** The table's constants, written in place by the compiler (a const enum: a module constant is a context load at every probe). */
const enum Table {
  /** The hash of an empty slot. */
  Empty = 0,
  /** Slots before the first doubling. */
  InitialCapacity = 64,
}

/** Live task records by id. */
export class TaskIndex {
  private records: (TaskRecord | undefined)[] = new Array<TaskRecord | undefined>(Table.InitialCapacity).fill(undefined);
  /** Hash of the id in each slot, never 0 (0 marks an empty slot). */
  private hashes = new Int32Array(Table.InitialCapacity);
  private mask = Table.InitialCapacity - 1;
  private count = 0;

  /** Tasks held. */
  get size(): number {
    return this.count;
  }

  /** The record with this id, or undefined. */
  get(id: TaskId): TaskRecord | undefined {
    const hash = hashOf(id);
    for (let i = hash & this.mask; ; i = (i + 1) & this.mask) {
      const h = this.hashes[i]!;
      if (h === Table.Empty) return undefined;
      if (h === hash) {
        const record = this.records[i]!;
        if (record.spec.id === id) return record;
      }
    }
  }

  /** True when a record with this id is held. */
  has(id: TaskId): boolean {
    return this.get(id) !== undefined;
  }

  /** Adds a record unless one with its id is held; false (and no change) when one is. */
  insert(record: TaskRecord): boolean {
    if (2 * (this.count + 1) > this.records.length) this.grow();
    const id = record.spec.id;
    const hash = hashOf(id);
    // One probe both checks for the id and finds the free slot at the end of the run.
    let i = hash & this.mask;
    for (let h = this.hashes[i]!; h !== Table.Empty; h = this.hashes[i]!) {
      if (h === hash && this.records[i]!.spec.id === id) return false;
      i = (i + 1) & this.mask;
    }
    this.hashes[i] = hash;
    this.records[i] = record;
    record.liveSlot = i;
    this.count++;
    return true;
  }

  /** Removes the record with this id, if held. */
  delete(id: TaskId): void {
    const record = this.get(id);
    if (record !== undefined) this.remove(record);
  }

  /** Removes a record that is held, found by the slot it was given (no hashing). */
  remove(record: TaskRecord): void {
    let i = record.liveSlot;
    if (this.records[i] !== record) throw new Error(`task ${record.spec.id} is not in the live index`);
    // Backward-shift deletion: pull later members of the probe run into the hole, so lookups
    // never need tombstones.
    for (let j = (i + 1) & this.mask; ; j = (j + 1) & this.mask) {
      const h = this.hashes[j]!;
      if (h === Table.Empty) break;
      const home = h & this.mask;
      // The member at j may move to i only if i lies on its probe path (home … j, cyclically).
      if (((j - home) & this.mask) >= ((j - i) & this.mask)) {
        const moved = this.records[j]!;
        this.hashes[i] = h;
        this.records[i] = moved;
        moved.liveSlot = i;
        i = j;
      }
    }
    this.hashes[i] = Table.Empty;
    this.records[i] = undefined;
    record.liveSlot = -1;
    this.count--;
  }

  /** Every record held, as a new array, in the order of {@link values} (a plain loop: cheaper than that generator where every record is wanted at once). */
  list(): TaskRecord[] {
    const list: TaskRecord[] = [];
    const records = this.records;
    for (let i = 0; i < records.length; i++) {
      const record = records[i];
      if (record !== undefined) list.push(record);
    }
    return list;
  }

  /** Every record held, in no particular order (but the same order for the same history). */
  *values(): IterableIterator<TaskRecord> {
    for (const record of this.records) if (record !== undefined) yield record;
  }

  private place(record: TaskRecord, hash: number): void {
    let i = hash & this.mask;
    while (this.hashes[i] !== Table.Empty) i = (i + 1) & this.mask;
    this.hashes[i] = hash;
    this.records[i] = record;
    record.liveSlot = i;
  }

  private grow(): void {
    const old = this.records;
    const capacity = old.length * 2;
    this.records = new Array<TaskRecord | undefined>(capacity).fill(undefined);
    this.hashes = new Int32Array(capacity);
    this.mask = capacity - 1;
    for (const record of old) if (record !== undefined) this.place(record, hashOf(record.spec.id));
    // The old array may already be in the old generation: empty it so it keeps no record alive.
    old.fill(undefined);
  }
}

/**
 * FNV-1a over the length and the last 16 UTF-16 code units of `id`, then murmur3's finaliser
 * (the table indexes by the low bits); never 0. Ids that differ only further from the end
 * collide, which costs a string comparison, never a wrong answer; generated ids (`t<n>`, UUIDs)
 * differ in their last characters. The live service's tables by task id hash as this index does.
 */
export function hashOf(id: string): number {
  const length = id.length;
  let hash = Math.imul(0x811c9dc5 ^ length, 0x01000193);
  for (let i = length > 16 ? length - 16 : 0; i < length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  // Signed, as the Int32Array of hashes holds it.
  const mixed = mix32(hash);
  return mixed === Table.Empty ? 1 : mixed;
}
