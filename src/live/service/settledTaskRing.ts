/**
 * The settled tasks the task registry remembers, with no JavaScript object of their own: each
 * task's JSON as UTF-8 bytes packed into large slabs outside the heap, and what listings filter on
 * (ordinal, state, type, workflow) in typed-array columns, one slot per task in a ring of the remembered
 * count, oldest settled first. A task costs the registry's map entry (its id and a slot number)
 * and a slot here: nothing that a scavenge copies or promotes, nor that an old-generation
 * collection marks, beyond the id (which the map keeps anyway).
 *
 * Slots are forgotten in the order their tasks settled, as the count requires; a slab is released
 * once none of the slots still remembered has its bytes there, so the bytes kept are those of the
 * remembered tasks plus at most the unused part of the slabs they share. A task whose JSON is
 * larger than a slab gets a slab of its own, released with it: nothing is truncated or dropped.
 */
import type { FinalTaskState } from '../../engine/task.js';
import { grownColumn } from '../grownColumn.js';
import { CountedNames } from './countedNames.js';

/** Bytes of a slab: ~125 tasks of the bench's ~520 bytes of JSON. */
const SLAB_BYTES = 1 << 16;

/** Slots allocated at first, doubled as needed up to the ring's capacity. */
const INITIAL_SLOTS = 1024;

/** The final states, by their index in the state column. */
const FINAL_STATES: readonly FinalTaskState[] = ['completed', 'dead-lettered', 'expired', 'cancelled', 'rejected'];
const FINAL_STATE_INDEX = new Map(FINAL_STATES.map((state, index) => [state, index]));

/** A ring of settled tasks' JSON and listing fields; see the module's description. */
export class SettledTaskRing {
  private ordinals = new Float64Array(0);
  private states = new Uint8Array(0);
  private typeIndexes = new Uint32Array(0);
  /** A workflow's number in {@link workflowNames} plus one; 0 for a task of no workflow. */
  private workflowIndexes = new Uint32Array(0);
  private slabIndexes = new Uint32Array(0);
  private offsets = new Uint32Array(0);
  private lengths = new Uint32Array(0);
  /** The id of each slot's task, for the caller to forget it when its slot is reused. */
  private ids: (string | undefined)[] = [];
  /** The oldest slot. */
  private head = 0;
  private count = 0;

  private readonly slabs: (Buffer | undefined)[] = [];
  /** Slots whose bytes are in each slab. */
  private readonly slabSlots: number[] = [];
  private readonly freeSlabs: number[] = [];
  /** The slab being filled, and its bytes used. */
  private currentSlab = -1;
  private currentUsed = 0;

  /** Distinct task types; a type with no slot left is released. */
  private readonly typeNames = new CountedNames();
  /** Distinct workflow ids; one with no slot left is released. */
  private readonly workflowNames = new CountedNames();

  /** @param capacity - slots (the registry's `settledTasks`); 0 remembers nothing. */
  constructor(readonly capacity: number) {}

  /** Tasks remembered. */
  get size(): number {
    return this.count;
  }

  /** Bytes of the slabs held, in use or kept for reuse. */
  get slabBytes(): number {
    let bytes = 0;
    for (const slab of this.slabs) bytes += slab?.length ?? 0;
    return bytes;
  }

  /**
   * Remembers a task (of workflow `workflowId`, if any), newest; returns its slot and, if the ring was full, the id and ordinal of
   * the oldest task, forgotten to make room (the caller drops it from its map; the ordinal is -1
   * when none was). Not for a capacity of 0.
   */
  add(id: string, ordinal: number, state: FinalTaskState, type: string, json: Uint8Array, workflowId?: string): { readonly slot: number; readonly forgotten: string | undefined; readonly forgottenOrdinal: number } {
    let forgotten: string | undefined;
    let forgottenOrdinal = -1;
    if (this.count === this.capacity) {
      forgotten = this.ids[this.head];
      forgottenOrdinal = this.ordinals[this.head]!;
      this.release(this.head);
      this.head = (this.head + 1) % this.capacity;
      this.count--;
    } else if (this.count === this.ids.length) this.grow();
    const slot = (this.head + this.count) % this.ids.length;
    this.count++;
    this.ids[slot] = id;
    this.ordinals[slot] = ordinal;
    this.states[slot] = FINAL_STATE_INDEX.get(state)!;
    this.typeIndexes[slot] = this.typeNames.use(type);
    this.workflowIndexes[slot] = workflowId === undefined ? 0 : this.workflowNames.use(workflowId) + 1;
    this.store(slot, json);
    return { slot, forgotten, forgottenOrdinal };
  }

  /** Replaces a remembered task's JSON (an event that came after it settled); its place in the order stays. */
  replace(slot: number, json: Uint8Array): void {
    this.releaseBytes(slot);
    this.store(slot, json);
  }

  /** The id of the task in a slot. */
  id(slot: number): string {
    return this.ids[slot]!;
  }

  /** The ordinal of the task in a slot. */
  ordinal(slot: number): number {
    return this.ordinals[slot]!;
  }

  /** The state of the task in a slot. */
  state(slot: number): FinalTaskState {
    return FINAL_STATES[this.states[slot]!]!;
  }

  /** The type of the task in a slot. */
  type(slot: number): string {
    return this.typeNames.name(this.typeIndexes[slot]!);
  }

  /** The workflow of the task in a slot, if it has one. */
  workflow(slot: number): string | undefined {
    const index = this.workflowIndexes[slot]!;
    return index === 0 ? undefined : this.workflowNames.name(index - 1);
  }

  /** The JSON of the task in a slot, as text. */
  json(slot: number): string {
    const offset = this.offsets[slot]!;
    return this.slabs[this.slabIndexes[slot]!]!.toString('utf8', offset, offset + this.lengths[slot]!);
  }

  private store(slot: number, json: Uint8Array): void {
    let slab: number;
    if (json.length > SLAB_BYTES) slab = this.newSlab(json.length);
    else {
      if (this.currentSlab < 0 || this.currentUsed + json.length > SLAB_BYTES) {
        // The slab being left is released at once if nothing remembered is in it any more.
        const left = this.currentSlab;
        this.currentSlab = this.newSlab(SLAB_BYTES);
        this.currentUsed = 0;
        if (left >= 0 && this.slabSlots[left] === 0) this.freeSlab(left);
      }
      slab = this.currentSlab;
    }
    const offset = slab === this.currentSlab ? this.currentUsed : 0;
    this.slabs[slab]!.set(json, offset);
    if (slab === this.currentSlab) this.currentUsed += json.length;
    this.slabSlots[slab]!++;
    this.slabIndexes[slot] = slab;
    this.offsets[slot] = offset;
    this.lengths[slot] = json.length;
  }

  private release(slot: number): void {
    this.releaseBytes(slot);
    this.typeNames.release(this.typeIndexes[slot]!);
    const workflow = this.workflowIndexes[slot]!;
    if (workflow !== 0) this.workflowNames.release(workflow - 1);
    this.ids[slot] = undefined;
  }

  private releaseBytes(slot: number): void {
    const slab = this.slabIndexes[slot]!;
    if (--this.slabSlots[slab]! === 0 && slab !== this.currentSlab) this.freeSlab(slab);
  }

  /** A slab of `bytes` (a full-size one reused if one was freed), its index. */
  private newSlab(bytes: number): number {
    const index = this.freeSlabs.pop() ?? this.slabs.length;
    const spare = this.slabs[index];
    this.slabs[index] = spare !== undefined && bytes === SLAB_BYTES ? spare : Buffer.allocUnsafeSlow(bytes);
    this.slabSlots[index] = 0;
    return index;
  }

  /** Frees a slab's index; a full-size slab's bytes are kept for the next one, an oversized one's let go. */
  private freeSlab(slab: number): void {
    if (this.slabs[slab]!.length !== SLAB_BYTES) this.slabs[slab] = undefined;
    this.freeSlabs.push(slab);
  }

  /** Doubles the columns (up to the capacity); only before the ring first wraps, so slots stay in place. */
  private grow(): void {
    const slots = Math.min(this.capacity, Math.max(INITIAL_SLOTS, this.ids.length * 2));
    this.ordinals = grownColumn(this.ordinals, new Float64Array(slots));
    this.states = grownColumn(this.states, new Uint8Array(slots));
    this.typeIndexes = grownColumn(this.typeIndexes, new Uint32Array(slots));
    this.workflowIndexes = grownColumn(this.workflowIndexes, new Uint32Array(slots));
    this.slabIndexes = grownColumn(this.slabIndexes, new Uint32Array(slots));
    this.offsets = grownColumn(this.offsets, new Uint32Array(slots));
    this.lengths = grownColumn(this.lengths, new Uint32Array(slots));
    this.ids.length = slots;
  }
}
