import { describe, expect, it } from 'vitest';
import { NORMAL_QUANTILE_975, studentT975 } from '../../src/metrics/studentT.js';

/**
 * P(|T| ≤ t) for Student's t with integer `df`, in closed form (Abramowitz & Stegun, Handbook of
 * Mathematical Functions, 26.7.3 for odd df, 26.7.4 for even): a computation that shares
 * nothing with the table or the expansion under test.
 */
function centralProbability(t: number, df: number): number {
  const theta = Math.atan(t / Math.sqrt(df));
  const cos2 = Math.cos(theta) ** 2;
  let term = 1;
  let sum = 1;
  if (df % 2 === 0) {
    for (let k = 2; k <= df - 2; k += 2) {
      term *= ((k - 1) / k) * cos2;
      sum += term;
    }
    return Math.sin(theta) * sum;
  }
  if (df === 1) return (2 / Math.PI) * theta;
  for (let k = 3; k <= df - 2; k += 2) {
    term *= ((k - 1) / k) * cos2;
    sum += term;
  }
  return (2 / Math.PI) * (theta + Math.sin(theta) * Math.cos(theta) * sum);
}

/** The exact t(0.975, df), where P(|T| ≤ t) = 0.95, by bisection. */
function exactQuantile975(df: number): number {
  let low = 0;
  let high = 64;
  for (let i = 0; i < 80; i++) {
    const middle = (low + high) / 2;
    if (centralProbability(middle, df) < 0.95) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}

describe('studentT975', () => {
  it('is the exact quantile at every degree of freedom a run can have (1 to 999), to the table\'s six decimals', () => {
    expect(centralProbability(12.706205, 1)).toBeCloseTo(0.95, 6);
    // Replications are at most 1000, so intervals and paired differences have df 1…999. The
    // table's entries are rounded to 6 decimals (error ≤ 5·10⁻⁷); the expansion is within 3·10⁻⁸.
    for (let df = 1; df <= 999; df++) {
      const error = Math.abs(studentT975(df) - exactQuantile975(df));
      expect(error, `df ${df}`).toBeLessThanOrEqual(df <= 30 ? 5e-7 : 3e-8);
    }
  });

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
