/**
 * The simulator's future-event list: an 8-ary min-heap ordered by (time, sequence number), so
 * that events at the same time run in the order they were scheduled (as in SimPy). It knows
 * nothing of tasks: an entry is a time, a small integer kind and one payload reference.
 *
 * Hand-written on typed arrays because it is the hot loop: no allocation per entry. In a fleet
 * of 100,000 agents the heap holds ~90,000 finish events, more than the caches keep beside the
 * rest of the run, so each level a pop walks down is a cache miss that the next level's address
 * waits on. Hence eight children per node (a third of a binary heap's depth, two thirds of a
 * 4-ary heap's) and the times in an array of their own: a node's eight children's times are 64
 * bytes, one or two cache lines, and a sequence number is read only when two times are equal.
 * What a sift moves besides the time is one 16-byte pair, (sequence number, slot), in one line:
 * the kind and the payload stay put in their slot (taken at the push, given back at the pop), so
 * a level costs the children's times and one pair, not also a line of kinds and one of payloads
 * (and no write barrier for a payload reference moved within an old-generation array).
 * (time, seq) is a total order, so the pop order, and every result, is the same as any other
 * correct heap's.
 */

/**
 * The heap's shape, a const enum so that the compiler writes each number in place: a module
 * constant is a context load at every access (several per push and pop, once per event).
 */
const enum Shape {
  /** Children per node. */
  Arity = 8,
  /** log2(Arity): a parent is `(i - 1) >> Shift`. */
  Shift = 3,
  /** Entries (and slots) before the first doubling. */
  InitialCapacity = 64,
}
/**
 * `peekTime` and `peekSeq` of an empty heap. A module constant rather than
 * `Number.POSITIVE_INFINITY` in place: that property load, first run when the heap empties (deep
 * into a run), has no type feedback, and the optimised loop that inlined the peek deoptimised on it.
 */
const EMPTY = Number.POSITIVE_INFINITY;

/** A min-heap of (time, seq) → (kind, payload). */
export class EventHeap<P> {
  /** Each heap position's time. */
  private times = new Float64Array(Shape.InitialCapacity);
  /** Each heap position's (sequence number, slot), interleaved: `2i` and `2i + 1`. */
  private seqSlots = new Float64Array(2 * Shape.InitialCapacity);
  /** Each slot's kind, from its push to its pop. */
  private kinds = new Uint8Array(Shape.InitialCapacity);
  /** Each slot's payload, from its push to its pop. */
  private payloads: (P | undefined)[] = new Array<P | undefined>(Shape.InitialCapacity).fill(undefined);
  /** Free slots, a stack: the one freed last (likely still cached) is taken first. */
  private freeSlots = Int32Array.from({ length: Shape.InitialCapacity }, (_, i) => Shape.InitialCapacity - 1 - i);
  private freeCount = Shape.InitialCapacity;
  private count = 0;
  private nextSeq = 0;
  /** Kind of the entry most recently popped. */
  poppedKind = 0;
  /** Time of the entry most recently popped. */
  poppedTime = 0;

  /** Entries waiting. */
  get size(): number {
    return this.count;
  }

  /** Time of the earliest entry, or Infinity when empty. */
  peekTime(): number {
    return this.count > 0 ? this.times[0]! : EMPTY;
  }

  /** Sequence number of the earliest entry, or Infinity when empty. */
  peekSeq(): number {
    return this.count > 0 ? this.seqSlots[0]! : EMPTY;
  }

  /** Payload of the earliest entry (undefined when empty or when it has none). */
  peekPayload(): P | undefined {
    return this.count > 0 ? this.payloads[this.seqSlots[1]!] : undefined;
  }

  /** Kind of the earliest entry (-1 when empty). */
  peekKind(): number {
    return this.count > 0 ? this.kinds[this.seqSlots[1]!]! : -1;
  }

  /**
   * Takes the next sequence number without scheduling anything, for an event the caller keeps
   * outside the heap but orders as if it had been pushed now (compare with `peekTime`/`peekSeq`).
   */
  reserveSeq(): number {
    return this.nextSeq++;
  }

  /** Schedules `payload` of `kind` (0–255) at `time`. */
  push(time: number, kind: number, payload: P | undefined): void {
    if (Number.isNaN(time)) throw new Error('event time is NaN');
    if ((kind & 0xff) !== kind) throw new Error(`event kind must be an integer 0..255, got ${kind}`);
    if (this.count === this.kinds.length) this.grow();
    const seq = this.nextSeq++;
    const slot = this.freeSlots[--this.freeCount]!;
    this.kinds[slot] = kind;
    this.payloads[slot] = payload;
    const times = this.times;
    // Sift up: move parents down until the new entry's position is found. Its seq is the largest
    // yet, so it goes above a parent only of a later time.
    let i = this.count++;
    while (i > 0) {
      const parent = (i - 1) >> Shape.Shift;
      if (times[parent]! <= time) break;
      this.moveEntry(parent, i);
      i = parent;
    }
    this.place(i, time, seq, slot);
  }

  /**
   * Removes the earliest entry and returns its payload; its kind and time are left in
   * `poppedKind` and `poppedTime` (so that popping allocates nothing). Throws when empty.
   */
  pop(): P | undefined {
    if (this.count === 0) throw new Error('pop from an empty event heap');
    const slot = this.seqSlots[1]!;
    const payload = this.payloads[slot];
    this.payloads[slot] = undefined;
    this.freeSlots[this.freeCount++] = slot;
    this.poppedKind = this.kinds[slot]!;
    this.poppedTime = this.times[0]!;
    const last = --this.count;
    if (last > 0) this.siftDownFromRoot(last);
    return payload;
  }

  private siftDownFromRoot(last: number): void {
    const times = this.times;
    const seqSlots = this.seqSlots;
    const time = times[last]!;
    const seq = seqSlots[2 * last]!;
    const slot = seqSlots[2 * last + 1]!;
    let i = 0;
    for (;;) {
      const first = Shape.Arity * i + 1;
      if (first >= last) break;
      // The earliest of up to eight children: by time, and by seq only among equal times.
      let child = first;
      let ct = times[first]!;
      const end = first + Shape.Arity < last ? first + Shape.Arity : last;
      for (let c = first + 1; c < end; c++) {
        const t = times[c]!;
        if (t < ct || (t === ct && seqSlots[2 * c]! < seqSlots[2 * child]!)) {
          child = c;
          ct = t;
        }
      }
      if (time < ct || (time === ct && seq < seqSlots[2 * child]!)) break;
      this.moveEntry(child, i);
      i = child;
    }
    this.place(i, time, seq, slot);
  }

  private place(i: number, time: number, seq: number, slot: number): void {
    this.times[i] = time;
    this.seqSlots[2 * i] = seq;
    this.seqSlots[2 * i + 1] = slot;
  }

  private before(a: number, b: number): boolean {
    const ta = this.times[a]!;
    const tb = this.times[b]!;
    return ta < tb || (ta === tb && this.seqSlots[2 * a]! < this.seqSlots[2 * b]!);
  }

  private moveEntry(from: number, to: number): void {
    this.times[to] = this.times[from]!;
    this.seqSlots[2 * to] = this.seqSlots[2 * from]!;
    this.seqSlots[2 * to + 1] = this.seqSlots[2 * from + 1]!;
  }

  /** Doubles the positions and the slots; the new slots are all free (the heap was full). */
  private grow(): void {
    const capacity = this.kinds.length * 2;
    const times = new Float64Array(capacity);
    times.set(this.times);
    const seqSlots = new Float64Array(2 * capacity);
    seqSlots.set(this.seqSlots);
    const kinds = new Uint8Array(capacity);
    kinds.set(this.kinds);
    const freeSlots = new Int32Array(capacity);
    for (let slot = capacity - 1; slot >= this.count; slot--) freeSlots[this.freeCount++] = slot;
    this.times = times;
    this.seqSlots = seqSlots;
    this.kinds = kinds;
    this.freeSlots = freeSlots;
    for (let slot = this.payloads.length; slot < capacity; slot++) this.payloads.push(undefined);
  }

  /** Checks the heap property everywhere (tests and debug runs). */
  assertOrdered(): void {
    for (let i = 1; i < this.count; i++) {
      if (this.before(i, (i - 1) >> Shape.Shift)) throw new Error(`event heap out of order at ${i}`);
    }
  }
}
