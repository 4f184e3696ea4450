/**
 * The ids of the tasks a service knows, in submission order, found by ordinal with a binary
 * search. `GET /v1/tasks` pages by ordinal (a page's `next` is the ordinal of its last task), so a
 * page starts where the last one ended instead of walking every task submitted before it, which
 * made a listing of n tasks cost O(n²).
 *
 * Ordinals come in increasing order. A task the service forgets leaves a hole, and the holes are
 * squeezed out in place once they are half the entries, so the columns hold at most twice the
 * tasks known and a removal costs O(log n) amortised, with no garbage per task.
 */
import { grownColumn } from '../grownColumn.js';

/** Entries allocated at first, doubled as needed. */
const INITIAL_ENTRIES = 1024;
/** Fewest holes worth a squeeze (a small registry keeps its few). */
const MIN_HOLES_SQUEEZED = 64;

/** Task ids by ordinal, in submission order. */
export class SubmissionOrder {
  private ordinals = new Float64Array(INITIAL_ENTRIES);
  /** The id at each entry, undefined for a hole. */
  private readonly ids: (string | undefined)[] = [];
  private holes = 0;

  /** Entries, holes included: positions run from 0 to `length - 1`. */
  get length(): number {
    return this.ids.length;
  }

  /** Tasks held (entries that are not holes). */
  get size(): number {
    return this.ids.length - this.holes;
  }

  /** Adds the task submitted last. @throws Error when `ordinal` is not above every ordinal held */
  append(ordinal: number, id: string): void {
    const n = this.ids.length;
    if (n > 0 && !(ordinal > this.ordinals[n - 1]!)) throw new Error(`SubmissionOrder: ordinal ${ordinal} after ${this.ordinals[n - 1]!}`);
    if (n === this.ordinals.length) this.ordinals = grownColumn(this.ordinals, new Float64Array(n * 2));
    this.ordinals[n] = ordinal;
    this.ids.push(id);
  }

  /** Forgets the task of `ordinal`. @throws Error when no task of that ordinal is held */
  remove(ordinal: number): void {
    const at = this.firstAfter(ordinal - 1);
    if (at === this.ids.length || this.ordinals[at] !== ordinal || this.ids[at] === undefined) throw new Error(`SubmissionOrder: no task of ordinal ${ordinal}`);
    this.ids[at] = undefined;
    this.holes++;
    if (this.holes >= MIN_HOLES_SQUEEZED && this.holes * 2 >= this.ids.length) this.squeeze();
  }

  /** The first position whose ordinal is above `ordinal` (`length` when none is). */
  firstAfter(ordinal: number): number {
    let low = 0;
    let high = this.ids.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.ordinals[middle]! <= ordinal) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** The id at a position, undefined for a hole. */
  idAt(position: number): string | undefined {
    return this.ids[position];
  }

  /** The ordinal at a position. */
  ordinalAt(position: number): number {
    return this.ordinals[position]!;
  }

  /** Moves the entries over the holes, keeping their order. */
  private squeeze(): void {
    const { ids, ordinals } = this;
    let kept = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id === undefined) continue;
      ids[kept] = id;
      ordinals[kept] = ordinals[i]!;
      kept++;
    }
    ids.length = kept;
    this.holes = 0;
  }
}
