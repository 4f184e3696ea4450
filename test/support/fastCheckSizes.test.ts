import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('fast-check sizes in this suite', () => {
  it('generates arrays up to the maxLength a property states, not only fast-check\'s "small" ten', () => {
    const lengths = fc.sample(fc.array(fc.nat(), { maxLength: 200 }), { numRuns: 500, seed: 1 }).map((array) => array.length);
    expect(Math.max(...lengths)).toBeGreaterThan(100);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(200);
  });
});
