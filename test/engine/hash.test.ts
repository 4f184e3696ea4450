import { describe, expect, it } from 'vitest';
import { fmix32, fnv1a32, mix32 } from '../../src/engine/hash.js';

describe('hashes', () => {
  it('FNV-1a matches the published 32-bit test vectors', () => {
    // From the FNV reference test suite (Fowler, Noll, Vo): fnv1a_32 of "", "a", "foobar".
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('the murmur3 finalizer maps 0 to 0, matches the reference values and is a bijection on a sample', () => {
    expect(fmix32(0)).toBe(0);
    // Reference: MurmurHash3's fmix32(1) and fmix32(0xffffffff).
    expect(fmix32(1)).toBe(0x514e28b7);
    expect(fmix32(0xffffffff)).toBe(0x81f16f39);
    // A signed input is read as its 32 bits.
    expect(fmix32(-1)).toBe(fmix32(0xffffffff));
    const outputs = new Set(Array.from({ length: 10_000 }, (_, k) => fmix32(k)));
    expect(outputs.size).toBe(10_000);
  });

  it('mix32 is the finalizer as a signed 32-bit integer: the same bits, for any input', () => {
    expect(mix32(1)).toBe(0x514e28b7);
    expect(mix32(0xffffffff)).toBe(0x81f16f39 | 0);
    expect(mix32(0xffffffff)).toBeLessThan(0);
    for (const input of [0, 1, -1, 2 ** 31, 2 ** 31 - 1, 2 ** 32 + 7, 0x9e3779b9, -123456789, ...Array.from({ length: 1000 }, (_, k) => k * 2654435761)]) {
      expect(mix32(input)).toBe(fmix32(input) | 0);
      expect(mix32(input) >>> 0).toBe(fmix32(input));
    }
  });
});
