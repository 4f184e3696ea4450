/**
 * The hash and the ring behind consistent-hash: ring positions spread, and the ring against a
 * plain sorted array through adds, removes and directory resizes.
 */
import fc from 'fast-check';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { fnv1a32 } from '../../src/engine/hash.js';
import { HashRing, ringHash } from '../../src/strategies/hashRing.js';

describe('ring hash', () => {
  it('spreads neighbours over the whole range, which FNV-1a alone does not', () => {
    // Labels that differ in their last character land far apart: the top 4 bits of 64
    // consecutive virtual-node labels hit every one of the 16 buckets.
    const buckets = new Set(Array.from({ length: 64 }, (_, k) => ringHash(`agent-7#${k}`) >>> 28));
    expect(buckets.size).toBe(16);
    const raw = new Set(Array.from({ length: 64 }, (_, k) => fnv1a32(`agent-7#${k}`) >>> 28));
    expect(raw.size, 'without the finalizer FNV-1a clusters them').toBeLessThan(16);
  });

  it('is deterministic and unsigned', () => {
    expect(ringHash('session-42')).toBe(ringHash('session-42'));
    for (const text of ['', 'x', 'é', '🚀', 'a much longer key with spaces']) {
      const h = ringHash(text);
      expect(Number.isInteger(h) && h >= 0 && h <= 0xffffffff).toBe(true);
    }
  });
});

/** First (hash, owner) at or clockwise after `hash` in a sorted list, the ring's answer by brute force. */
function successor(points: readonly [number, number][], hash: number): [number, number] {
  return points.find(([h]) => h >= hash) ?? points[0]!;
}

function sorted(points: [number, number][]): [number, number][] {
  return points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

describe('HashRing', () => {
  it('finds the first point clockwise and walks the ring in order, through adds, removes and resizes', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 0, max: 2999 }), (seed, adds, removes) => {
        const draw = seedrandom(String(seed));
        const ring = new HashRing();
        const model: [number, number][] = [];
        for (let i = 0; i < adds; i++) {
          // Few distinct hashes at times, so equal hashes (ordered by owner) are exercised too.
          const hash = draw() < 0.1 ? Math.floor(draw() * 8) * 0x20000000 : Math.floor(draw() * 2 ** 32);
          const owner = Math.floor(draw() * 50);
          ring.add(hash, owner);
          model.push([hash, owner]);
        }
        for (let i = 0; i < Math.min(removes, adds - 1); i++) {
          const [hash, owner] = model.splice(Math.floor(draw() * model.length), 1)[0]!;
          expect(ring.remove(hash, owner)).toBe(true);
        }
        ring.assertValid();
        const points = sorted(model);
        expect(ring.size).toBe(points.length);
        for (let q = 0; q < 20; q++) {
          const hash = Math.floor(draw() * 2 ** 32);
          ring.seek(hash);
          const start = points.indexOf(successor(points, hash));
          for (let step = 0; step < Math.min(5, points.length); step++, ring.advance()) {
            const [h, owner] = points[(start + step) % points.length]!;
            expect([ring.hash(), ring.owner()]).toEqual([h, owner]);
          }
        }
      }),
      { seed: 41, numRuns: 40 },
    );
  });

  it('reports a missing point on removal and refuses a seek on an empty ring', () => {
    const ring = new HashRing();
    expect(() => ring.seek(5)).toThrow(/empty/);
    ring.add(10, 1);
    expect(ring.remove(10, 2)).toBe(false);
    expect(ring.remove(11, 1)).toBe(false);
    expect(ring.remove(10, 1)).toBe(true);
    expect(ring.size).toBe(0);
    expect(() => ring.add(2 ** 32, 0)).toThrow(/32-bit/);
  });

  it('wraps from the last point to the first', () => {
    const ring = new HashRing();
    ring.add(100, 1);
    ring.add(0xfffffff0, 2);
    ring.seek(0xfffffff1);
    expect(ring.owner()).toBe(1);
    ring.advance();
    expect(ring.owner()).toBe(2);
    ring.advance();
    expect(ring.owner()).toBe(1);
  });
});
