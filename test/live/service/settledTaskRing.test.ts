/**
 * The ring of settled tasks keeps each task's JSON and listing fields exactly, forgets tasks in
 * the order they were added, keeps a replaced task's place, and lets go of the bytes of what it
 * forgot: of a huge task's at once.
 */
import { describe, expect, it } from 'vitest';
import type { FinalTaskState } from '../../../src/engine/task.js';
import { SettledTaskRing } from '../../../src/live/service/settledTaskRing.js';

const STATES: readonly FinalTaskState[] = ['completed', 'dead-lettered', 'expired', 'cancelled', 'rejected'];

function bytes(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}

/** A task's JSON of about `size` characters, with text beyond ASCII. */
function jsonOf(n: number, size = 40): string {
  return JSON.stringify({ n, text: `é\u{1F600}"${'x'.repeat(size)}` });
}

describe('SettledTaskRing', () => {
  it('answers every field of the tasks it remembers, the oldest forgotten first once full', () => {
    const ring = new SettledTaskRing(7);
    const forgotten: string[] = [];
    const slots = new Map<string, number>();
    for (let n = 0; n < 30; n++) {
      const id = `t${n}`;
      const { slot, forgotten: old } = ring.add(id, n * 3, STATES[n % STATES.length]!, `type${n % 4}`, bytes(jsonOf(n, n * 50)));
      if (old !== undefined) {
        forgotten.push(old);
        slots.delete(old);
      }
      slots.set(id, slot);
      expect(ring.size).toBe(Math.min(n + 1, 7));
    }
    expect(forgotten).toEqual(Array.from({ length: 23 }, (_, n) => `t${n}`));
    expect([...slots.keys()]).toEqual(Array.from({ length: 7 }, (_, n) => `t${n + 23}`));
    for (const [id, slot] of slots) {
      const n = Number(id.slice(1));
      expect(ring.id(slot)).toBe(id);
      expect(ring.ordinal(slot)).toBe(n * 3);
      expect(ring.state(slot)).toBe(STATES[n % STATES.length]);
      expect(ring.type(slot)).toBe(`type${n % 4}`);
      expect(ring.json(slot)).toBe(jsonOf(n, n * 50));
    }
  });

  it('grows its columns past their first size without moving a slot', () => {
    const ring = new SettledTaskRing(5000);
    const slots = Array.from({ length: 5000 }, (_, n) => ring.add(`t${n}`, n, 'completed', 'code', bytes(jsonOf(n))).slot);
    expect(new Set(slots).size).toBe(5000);
    for (const n of [0, 1023, 1024, 2047, 2048, 4999]) {
      expect(ring.id(slots[n]!)).toBe(`t${n}`);
      expect(ring.json(slots[n]!)).toBe(jsonOf(n));
    }
    expect(ring.add('t5000', 5000, 'completed', 'code', bytes(jsonOf(5000))).forgotten).toBe('t0');
  });

  it("keeps a replaced task's place in the order and answers its new JSON", () => {
    const ring = new SettledTaskRing(3);
    const first = ring.add('a', 0, 'completed', 'code', bytes(jsonOf(0))).slot;
    ring.add('b', 1, 'completed', 'code', bytes(jsonOf(1)));
    ring.replace(first, bytes(jsonOf(100, 200)));
    ring.add('c', 2, 'completed', 'code', bytes(jsonOf(2)));
    expect(ring.json(first)).toBe(jsonOf(100, 200));
    expect(ring.add('d', 3, 'completed', 'code', bytes(jsonOf(3))).forgotten).toBe('a');
    expect(ring.add('e', 4, 'completed', 'code', bytes(jsonOf(4))).forgotten).toBe('b');
  });

  it('keeps a task larger than a slab whole, and lets its bytes go once it is forgotten', () => {
    const ring = new SettledTaskRing(2);
    ring.add('small', 0, 'completed', 'code', bytes(jsonOf(0)));
    const held = ring.slabBytes;
    const huge = jsonOf(1, 300_000);
    const { slot } = ring.add('huge', 1, 'expired', 'big', bytes(huge));
    expect(ring.json(slot)).toBe(huge);
    expect(ring.slabBytes).toBeGreaterThanOrEqual(held + Buffer.byteLength(huge));
    ring.add('next', 2, 'completed', 'code', bytes(jsonOf(2)));
    expect(ring.add('after', 3, 'completed', 'code', bytes(jsonOf(3))).forgotten).toBe('huge');
    expect(ring.slabBytes).toBe(held);
  });

  it('holds slabs for what it remembers, not for everything it was given', () => {
    const ring = new SettledTaskRing(100);
    const json = bytes(jsonOf(0, 500));
    for (let n = 0; n < 100; n++) ring.add(`t${n}`, n, 'completed', 'code', json);
    const full = ring.slabBytes;
    for (let n = 100; n < 20_000; n++) ring.add(`t${n}`, n, 'completed', 'code', json);
    // 100 tasks' bytes, plus the part of a slab the oldest share with what was forgotten and the slab being filled.
    expect(ring.slabBytes).toBeLessThanOrEqual(full + 2 * (1 << 16));
  });

  it('answers each task\'s workflow, none for a task of no workflow, and lets a workflow go with its last task', () => {
    const ring = new SettledTaskRing(3);
    const workflowOf = (n: number): string | undefined => (n % 3 === 2 ? undefined : `wf-${Math.floor(n / 2)}`);
    const slots: number[] = [];
    for (let n = 0; n < 40; n++) {
      const workflow = workflowOf(n);
      slots.push(ring.add(`t${n}`, n, 'completed', 'code', bytes('{}'), workflow).slot);
      // The three tasks remembered answer their own workflow whatever was forgotten before them.
      for (let k = Math.max(0, n - 2); k <= n; k++) expect(ring.workflow(slots[k]!)).toBe(workflowOf(k));
    }
  });

  it('answers a type again after every task of it was forgotten (types are interned, then released)', () => {
    const ring = new SettledTaskRing(2);
    for (let n = 0; n < 1000; n++) ring.add(`t${n}`, n, 'completed', `type-${n}`, bytes('{}'));
    const slot = ring.add('last', 1000, 'cancelled', 'type-0', bytes('{}')).slot;
    expect(ring.type(slot)).toBe('type-0');
    expect(ring.state(slot)).toBe('cancelled');
  });
});
