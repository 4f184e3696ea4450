import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventHeap } from '../../src/sim/eventHeap.js';

/** An entry as the reference model keeps it: `seq` is the order of scheduling. */
interface Entry {
  readonly time: number;
  readonly kind: number;
  readonly payload: string;
  readonly seq: number;
}

/** Pops everything, returning the payloads in pop order. */
function drain<P>(heap: EventHeap<P>): (P | undefined)[] {
  const out: (P | undefined)[] = [];
  while (heap.size > 0) out.push(heap.pop());
  return out;
}

/** The (time, seq) order that the heap must reproduce; no subtraction, so ±Infinity compare. */
function byTimeThenSeq(a: Entry, b: Entry): number {
  if (a.time < b.time) return -1;
  if (a.time > b.time) return 1;
  return a.seq - b.seq;
}

describe('EventHeap', () => {
  it('pops events in time order', () => {
    const heap = new EventHeap<string>();
    const times = [5, 1, 4, 2, 3, 0.5, 10, -1];
    for (const t of times) heap.push(t, 0, `at${t}`);
    const popped: number[] = [];
    while (heap.size > 0) {
      heap.pop();
      popped.push(heap.poppedTime);
    }
    expect(popped).toEqual([-1, 0.5, 1, 2, 3, 4, 5, 10]);
  });

  it('events at the same time pop in the order they were scheduled', () => {
    const heap = new EventHeap<string>();
    heap.push(5, 0, 'a');
    heap.push(1, 0, 'early');
    heap.push(5, 0, 'b');
    heap.push(9, 0, 'late');
    heap.push(5, 0, 'c');
    heap.push(5, 0, 'd');
    expect(drain(heap)).toEqual(['early', 'a', 'b', 'c', 'd', 'late']);
  });

  it('keeps insertion order among ties even when they are scheduled between pops', () => {
    const heap = new EventHeap<string>();
    heap.push(2, 0, 'a');
    heap.push(1, 0, 'x');
    expect(heap.pop()).toBe('x');
    heap.push(2, 0, 'b');
    heap.push(2, 0, 'c');
    expect(drain(heap)).toEqual(['a', 'b', 'c']);
  });

  it('agrees with a stable sort by (time, insertion order) over random interleavings of pushes and pops', () => {
    const time = fc.oneof(
      fc.integer({ min: 0, max: 8 }), // few distinct values: many ties
      fc.double({ min: -1e6, max: 1e6, noNaN: true }), // includes -0
      fc.constantFrom(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
    );
    const op = fc.oneof(
      { weight: 3, arbitrary: fc.record({ push: fc.constant(true as const), time, kind: fc.integer({ min: 0, max: 255 }) }) },
      { weight: 2, arbitrary: fc.record({ push: fc.constant(false as const) }) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const heap = new EventHeap<string>();
        let model: Entry[] = [];
        let seq = 0;
        for (const o of ops) {
          if (o.push) {
            const entry: Entry = { time: o.time, kind: o.kind, payload: `e${seq}`, seq };
            seq++;
            heap.push(entry.time, entry.kind, entry.payload);
            model.push(entry);
            model.sort(byTimeThenSeq);
          } else if (model.length > 0) {
            const [expected, ...rest] = model;
            model = rest;
            expect(heap.pop()).toBe(expected!.payload);
            expect(heap.poppedKind).toBe(expected!.kind);
            expect(heap.poppedTime).toBe(expected!.time); // exact, -0 included
          }
          expect(heap.size).toBe(model.length);
          expect(heap.peekTime()).toBe(model.length > 0 ? model[0]!.time : Number.POSITIVE_INFINITY);
          expect(heap.peekKind()).toBe(model.length > 0 ? model[0]!.kind : -1);
          expect(heap.peekPayload()).toBe(model.length > 0 ? model[0]!.payload : undefined);
          heap.assertOrdered();
        }
        expect(drain(heap)).toEqual(model.map((e) => e.payload));
      }),
      { seed: 20240611, numRuns: 300 },
    );
  });

  it('grows beyond its initial 64 slots without losing or reordering entries', () => {
    const heap = new EventHeap<{ readonly id: number }>();
    const n = 1000; // several doublings: 64 → 128 → … → 1024
    // Descending times force every push to sift to the root; kinds wrap to exercise the byte array.
    for (let i = 0; i < n; i++) heap.push(n - i, i % 256, { id: i });
    expect(heap.size).toBe(n);
    heap.assertOrdered();
    for (let expectedTime = 1; expectedTime <= n; expectedTime++) {
      const payload = heap.pop();
      const i = n - expectedTime;
      expect(heap.poppedTime).toBe(expectedTime);
      expect(heap.poppedKind).toBe(i % 256);
      expect(payload).toEqual({ id: i });
    }
    expect(heap.size).toBe(0);
  });

  it('keeps every payload and kind when it grows after pops freed and reused some of its slots', () => {
    const heap = new EventHeap<number>();
    const expected: { time: number; kind: number; payload: number }[] = [];
    let next = 0;
    const push = (time: number): void => {
      const entry = { time, kind: next % 256, payload: next++ };
      heap.push(entry.time, entry.kind, entry.payload);
      expected.push(entry);
    };
    for (let i = 0; i < 60; i++) push((i * 37) % 60);
    expected.sort((a, b) => a.time - b.time || a.payload - b.payload);
    for (let i = 0; i < 30; i++) expect(heap.pop()).toBe(expected.shift()!.payload);
    // 30 freed slots are taken again, then the heap doubles twice with its slots in no order.
    for (let i = 0; i < 200; i++) push(30 + ((i * 53) % 200));
    expected.sort((a, b) => a.time - b.time || a.payload - b.payload);
    heap.assertOrdered();
    for (const entry of expected) {
      expect(heap.pop()).toBe(entry.payload);
      expect(heap.poppedKind).toBe(entry.kind);
      expect(heap.poppedTime).toBe(entry.time);
    }
    expect(heap.size).toBe(0);
  });

  it('reports the kind and time of the entry just popped', () => {
    const heap = new EventHeap<string>();
    heap.push(3.5, 7, 'finish');
    heap.push(1.25, 200, 'arrival');
    expect(heap.pop()).toBe('arrival');
    expect(heap.poppedKind).toBe(200);
    expect(heap.poppedTime).toBe(1.25);
    expect(heap.pop()).toBe('finish');
    expect(heap.poppedKind).toBe(7);
    expect(heap.poppedTime).toBe(3.5);
  });

  it('carries an undefined payload like any other', () => {
    const heap = new EventHeap<string>();
    heap.push(2, 4, undefined);
    heap.push(1, 3, 'x');
    expect(heap.pop()).toBe('x');
    expect(heap.pop()).toBeUndefined();
    expect(heap.poppedKind).toBe(4);
    expect(heap.poppedTime).toBe(2);
  });

  it('reports Infinity as the next time when empty, and the earliest time otherwise', () => {
    const heap = new EventHeap<string>();
    expect(heap.peekTime()).toBe(Number.POSITIVE_INFINITY);
    heap.push(8, 0, 'a');
    heap.push(3, 0, 'b');
    expect(heap.peekTime()).toBe(3);
    expect(heap.size).toBe(2);
  });

  it('shows the earliest entry\'s kind and payload without removing it; -1 and undefined when empty', () => {
    const heap = new EventHeap<string>();
    expect(heap.peekKind()).toBe(-1);
    expect(heap.peekPayload()).toBeUndefined();
    heap.push(8, 5, 'late');
    heap.push(3, 9, 'early');
    expect(heap.peekKind()).toBe(9);
    expect(heap.peekPayload()).toBe('early');
    expect(heap.size).toBe(2);
    expect(heap.pop()).toBe('early');
    expect(heap.peekKind()).toBe(5);
    expect(heap.peekPayload()).toBe('late');
    heap.pop();
    expect(heap.peekKind()).toBe(-1);
    expect(heap.peekPayload()).toBeUndefined();
  });

  it('throws when popping an empty heap, also after it has been drained', () => {
    const heap = new EventHeap<string>();
    expect(() => heap.pop()).toThrow(/empty/);
    heap.push(1, 0, 'a');
    heap.pop();
    expect(() => heap.pop()).toThrow(/empty/);
    expect(heap.size).toBe(0);
  });

  it('refuses a NaN time and stays unchanged', () => {
    const heap = new EventHeap<string>();
    heap.push(1, 0, 'a');
    expect(() => heap.push(Number.NaN, 0, 'bad')).toThrow(/NaN/);
    expect(heap.size).toBe(1);
    expect(drain(heap)).toEqual(['a']);
  });

  it('assertOrdered passes on a valid heap and throws when the heap property is broken', () => {
    const heap = new EventHeap<string>();
    for (let i = 0; i < 10; i++) heap.push(i, 0, `e${i}`);
    expect(() => heap.assertOrdered()).not.toThrow();
    // Corrupt the root's time behind the heap's back (white-box: the field is private).
    (heap as unknown as { times: Float64Array }).times[0] = 100;
    expect(() => heap.assertOrdered()).toThrow(/out of order at [1-8]/);
  });

  it('assertOrdered detects a tie stored against insertion order', () => {
    const heap = new EventHeap<string>();
    heap.push(1, 0, 'a');
    heap.push(1, 0, 'b');
    expect(() => heap.assertOrdered()).not.toThrow();
    // Swap the two entries' sequence numbers, the even elements of (seq, slot) pairs (white-box: the field is private).
    const seqSlots = (heap as unknown as { seqSlots: Float64Array }).seqSlots;
    [seqSlots[0], seqSlots[2]] = [seqSlots[2]!, seqSlots[0]!];
    expect(() => heap.assertOrdered()).toThrow(/out of order at 1/);
  });
});
