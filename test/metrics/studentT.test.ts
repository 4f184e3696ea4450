import { describe, expect, it } from 'vitest';
import { NORMAL_QUANTILE_975, studentT975 } from '../../src/metrics/studentT.js';

describe('studentT975', () => {
  it('matches published critical values', () => {
    expect(studentT975(1)).toBeCloseTo(12.706, 3);
    expect(studentT975(4)).toBeCloseTo(2.776, 3);
    expect(studentT975(9)).toBeCloseTo(2.262, 3);
    expect(studentT975(29)).toBeCloseTo(2.045, 3);
    expect(studentT975(Number.POSITIVE_INFINITY)).toBeCloseTo(1.96, 3);
  });

  it('beyond the table, follows the exact quantile closely (reference values from scipy.stats.t.ppf)', () => {
    expect(studentT975(31)).toBeCloseTo(2.0395134, 6);
    expect(studentT975(40)).toBeCloseTo(2.0210754, 6);
    expect(studentT975(60)).toBeCloseTo(2.0002978, 6);
    expect(studentT975(120)).toBeCloseTo(1.9799304, 6);
  });

  it('decreases with the degrees of freedom towards the normal quantile', () => {
    let previous = Number.POSITIVE_INFINITY;
    for (let df = 1; df <= 500; df++) {
      const t = studentT975(df);
      expect(t).toBeLessThan(previous);
      expect(t).toBeGreaterThan(NORMAL_QUANTILE_975);
      previous = t;
    }
  });

  it('rejects degrees of freedom that are not a positive integer', () => {
    expect(() => studentT975(0)).toThrow(/integer >= 1/);
    expect(() => studentT975(2.5)).toThrow(/integer >= 1/);
    expect(() => studentT975(Number.NaN)).toThrow(/integer >= 1/);
  });
});
