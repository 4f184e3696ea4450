/**
 * The min tree over the ring's points: "the first point clockwise from a hash whose owner's key
 * is below a threshold" agrees with walking a plain sorted list of the points, through key
 * changes and the ring gaining and losing points (which make the index rebuild).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HashRing } from '../../src/strategies/hashRing.js';
import { NO_KEY, RingKeyIndex } from '../../src/strategies/ringKeyIndex.js';

type Op =
  | { readonly kind: 'key'; readonly owner: number; readonly key: number }
  | { readonly kind: 'add'; readonly owner: number; readonly hash: number }
  | { readonly kind: 'remove'; readonly pick: number }
  | { readonly kind: 'query'; readonly hash: number; readonly threshold: number };

const OWNERS = 12;
/** Few distinct hashes at times, so that equal hashes (ordered by owner) occur. */
const hashArb = fc.oneof(fc.nat(7).map((k) => k * 0x20000000), fc.integer({ min: 0, max: 0xffffffff }));
const keyArb = fc.oneof(fc.nat(5), fc.constant(NO_KEY));
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('key' as const), owner: fc.nat(OWNERS - 1), key: keyArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('add' as const), owner: fc.nat(OWNERS - 1), hash: hashArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('query' as const), hash: hashArb, threshold: fc.oneof(fc.nat(6), fc.constant(NO_KEY)) }) },
);

/** The answer by walking the points, sorted by (hash, owner), from the first at or after `hash`. */
function walk(points: readonly (readonly [number, number])[], keys: readonly number[], hash: number, threshold: number): number {
  const sorted = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const start = Math.max(0, sorted.findIndex(([h]) => h >= hash));
  for (let step = 0; step < sorted.length; step++) {
    const owner = sorted[(start + step) % sorted.length]![1];
    if (keys[owner]! < threshold) return owner;
  }
  return -1;
}

describe('RingKeyIndex', () => {
  it('finds the first point clockwise whose owner is below the threshold, as a walk would, through key changes, adds and removes', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 30, maxLength: 150 }), (ops) => {
        const ring = new HashRing();
        const keys = Array.from({ length: OWNERS }, () => 0);
        const index = new RingKeyIndex(ring, (owner) => keys[owner]!);
        const points: [number, number][] = [];
        for (const op of ops) {
          if (op.kind === 'key') {
            keys[op.owner] = op.key;
            index.setKey(op.owner, op.key);
          } else if (op.kind === 'add') {
            ring.add(op.hash, op.owner);
            points.push([op.hash, op.owner]);
            index.markStale();
          } else if (op.kind === 'remove') {
            if (points.length === 0) continue;
            const [hash, owner] = points.splice(op.pick % points.length, 1)[0]!;
            expect(ring.remove(hash, owner)).toBe(true);
            index.markStale();
          } else {
            expect(index.firstBelow(op.hash, op.threshold), `query ${op.hash} below ${op.threshold}`).toBe(walk(points, keys, op.hash, op.threshold));
            const least = points.reduce((min, [, owner]) => Math.min(min, keys[owner]!), NO_KEY);
            expect(index.minKey()).toBe(least);
          }
        }
      }),
      { seed: 13, numRuns: 400 },
    );
  });

  it('answers -1 on an empty ring and when no owner is below the threshold', () => {
    const ring = new HashRing();
    const index = new RingKeyIndex(ring, () => 3);
    expect(index.minKey()).toBe(NO_KEY);
    expect(index.firstBelow(0, NO_KEY)).toBe(-1);
    ring.add(100, 0);
    ring.add(200, 1);
    index.markStale();
    expect(index.firstBelow(150, 3)).toBe(-1);
    expect(index.firstBelow(150, 4)).toBe(1);
    expect(index.firstBelow(201, 4), 'wraps past the last point').toBe(0);
    index.setKey(0, NO_KEY);
    expect(index.firstBelow(201, NO_KEY), 'an owner at NO_KEY is never returned').toBe(1);
  });
});
