import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SequentialIds } from '../../src/sim/sequentialIds.js';

describe('SequentialIds', () => {
  it('names n exactly as the template string would, across thousands boundaries', () => {
    const ids = new SequentialIds('t');
    for (let n = 0; n <= 3_050; n++) expect(ids.idOf(n)).toBe(`t${n}`);
    expect(ids.idOf(999_999)).toBe('t999999');
    expect(ids.idOf(1_000_000)).toBe('t1000000');
    expect(ids.idOf(2 ** 31 - 1)).toBe(`t${2 ** 31 - 1}`);
    expect(ids.idOf(2 ** 31)).toBe(`t${2 ** 31}`);
    expect(ids.idOf(2 ** 31 - 1)).toBe(`t${2 ** 31 - 1}`);
  });

  it('gives the same id for any n in any order (a jump back re-derives the cached head)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 4 }), fc.array(fc.nat({ max: Number.MAX_SAFE_INTEGER }), { minLength: 1, maxLength: 50 }), (prefix, ns) => {
        const ids = new SequentialIds(prefix);
        for (const n of ns) expect(ids.idOf(n)).toBe(`${prefix}${n}`);
      }), { seed: 1 },
    );
  });

  it('rejects what is not a safe integer >= 0', () => {
    const ids = new SequentialIds('t');
    for (const n of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) expect(() => ids.idOf(n)).toThrow(/safe integer/);
  });
});
