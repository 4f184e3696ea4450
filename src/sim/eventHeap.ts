/**
 * The simulator's future-event list: a 4-ary min-heap ordered by (time, sequence number), so
 * that events at the same time run in the order they were scheduled (as in SimPy). It knows
 * nothing of tasks: an entry is a time, a small integer kind and one payload reference.
 *
 * Hand-written on parallel typed arrays because it is the hot loop: no allocation per entry.
 * Four children per node halve the depth of a binary heap, and the (time, seq) keys of an
 * entry sit side by side (one array, stride 2), so a level's four keys are one or two cache
 * lines: in a fleet of 100,000 agents the heap holds ~90,000 finish events, far more than the
 * caches, and each level is a miss. (time, seq) is a total order, so the pop order, and every
 * result, is the same as any other correct heap's.
 */

/** Children per node. */
const ARITY = 4;

/** A min-heap of (time, seq) → (kind, payload). */
export class EventHeap<P> {
  /** Entry i's time at 2i, its sequence number at 2i + 1. */
  private keys = new Float64Array(128);
  private kinds = new Uint8Array(64);
  private payloads: (P | undefined)[] = new Array(64);
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
    return this.count > 0 ? this.keys[0]! : Number.POSITIVE_INFINITY;
  }

  /** Sequence number of the earliest entry, or Infinity when empty. */
  peekSeq(): number {
    return this.count > 0 ? this.keys[1]! : Number.POSITIVE_INFINITY;
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
    const keys = this.keys;
    // Sift up: move parents down until the new entry's slot is found.
    let i = this.count++;
    while (i > 0) {
      const parent = (i - 1) >> 2;
      const pt = keys[2 * parent]!;
      if (pt < time || (pt === time && keys[2 * parent + 1]! < seq)) break;
      this.moveEntry(parent, i);
      i = parent;
    }
    this.place(i, time, seq, kind, payload);
  }

  /**
   * Removes the earliest entry and returns its payload; its kind and time are left in
   * `poppedKind` and `poppedTime` (so that popping allocates nothing). Throws when empty.
   */
  pop(): P | undefined {
    if (this.count === 0) throw new Error('pop from an empty event heap');
    const payload = this.payloads[0];
    this.poppedKind = this.kinds[0]!;
    this.poppedTime = this.keys[0]!;
    const last = --this.count;
    if (last > 0) this.siftDownFromRoot(last);
    this.payloads[last] = undefined;
    return payload;
  }

  private siftDownFromRoot(last: number): void {
    const keys = this.keys;
    const time = keys[2 * last]!;
    const seq = keys[2 * last + 1]!;
    const kind = this.kinds[last]!;
    const payload = this.payloads[last];
    let i = 0;
    for (;;) {
      const first = ARITY * i + 1;
      if (first >= last) break;
      // The earliest of up to four children.
      let child = first;
      let ct = keys[2 * first]!;
      let cs = keys[2 * first + 1]!;
      const end = first + ARITY < last ? first + ARITY : last;
      for (let c = first + 1; c < end; c++) {
        const t = keys[2 * c]!;
        if (t < ct || (t === ct && keys[2 * c + 1]! < cs)) {
          child = c;
          ct = t;
          cs = keys[2 * c + 1]!;
        }
      }
      if (time < ct || (time === ct && seq < cs)) break;
      this.moveEntry(child, i);
      i = child;
    }
    this.place(i, time, seq, kind, payload);
  }

  private place(i: number, time: number, seq: number, kind: number, payload: P | undefined): void {
    this.keys[2 * i] = time;
    this.keys[2 * i + 1] = seq;
    this.kinds[i] = kind;
    this.payloads[i] = payload;
  }

  private before(a: number, b: number): boolean {
    const ta = this.keys[2 * a]!;
    const tb = this.keys[2 * b]!;
    return ta < tb || (ta === tb && this.keys[2 * a + 1]! < this.keys[2 * b + 1]!);
  }

  private moveEntry(from: number, to: number): void {
    this.keys[2 * to] = this.keys[2 * from]!;
    this.keys[2 * to + 1] = this.keys[2 * from + 1]!;
    this.kinds[to] = this.kinds[from]!;
    this.payloads[to] = this.payloads[from];
  }

  private grow(): void {
    const capacity = this.kinds.length * 2;
    const keys = new Float64Array(2 * capacity);
    keys.set(this.keys);
    const kinds = new Uint8Array(capacity);
    kinds.set(this.kinds);
    this.keys = keys;
    this.kinds = kinds;
    this.payloads.length = capacity;
  }

  /** Checks the heap property everywhere (tests and debug runs). */
  assertOrdered(): void {
    for (let i = 1; i < this.count; i++) {
      if (this.before(i, (i - 1) >> 2)) throw new Error(`event heap out of order at ${i}`);
    }
  }
}
