/** The distribution functions and tests calibration relies on, against tabulated values. */
import { describe, expect, it } from 'vitest';
import {
  chiSquaredQuantile, erfc, ksTest, normalCdf, normalPValue, tQuantile95, twoProportionTest, varianceInterval, wilsonInterval,
} from '../../src/calibrate/statistics.js';

describe('calibration statistics', () => {
  it('erfc and Φ match tables, with relative accuracy far in the tail', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-3)).toBeCloseTo(0.0013499, 6);
    // Φ(−8) = 6.22e−16: an erf-based 1 − … would give 0.
    expect(normalCdf(-8) / 6.22096e-16).toBeCloseTo(1, 4);
    expect(erfc(0.5)).toBeCloseTo(0.4795001, 6);
    expect(normalPValue(1.959964)).toBeCloseTo(0.05, 6);
  });

  it('t and χ² quantiles match tables (t within 0.5%, χ² within 1%)', () => {
    for (const [df, t] of [[5, 2.5706], [10, 2.2281], [30, 2.0423], [200, 1.9719]] as const) {
      expect(Math.abs(tQuantile95(df) / t - 1)).toBeLessThan(0.005);
    }
    for (const [p, df, q] of [[0.975, 10, 20.483], [0.025, 10, 3.247], [0.975, 100, 129.561], [0.025, 100, 74.222]] as const) {
      expect(Math.abs(chiSquaredQuantile(p, df) / q - 1)).toBeLessThan(0.01);
    }
    const [low, high] = varianceInterval(4, 10);
    expect(low).toBeCloseTo((10 * 4) / 20.483, 1);
    expect(high).toBeCloseTo((10 * 4) / 3.247, 0);
  });

  it('the Wilson interval matches the closed form, with exact ends at 0 and n successes', () => {
    const [low, high] = wilsonInterval(10, 100);
    expect(low).toBeCloseTo(0.05523, 4);
    expect(high).toBeCloseTo(0.17437, 4);
    expect(wilsonInterval(0, 50)[0]).toBe(0);
    expect(wilsonInterval(50, 50)[1]).toBe(1);
  });

  it('KS: the statistic of a hand-computed sample, a p-value near 1 for a fit and near 0 for a misfit', () => {
    const uniform = (x: number): number => Math.min(1, Math.max(0, x));
    // Sample 0.1, 0.2, 0.9 against U(0, 1): D = max(1/3 − 0.1, 2/3 − 0.2, 0.9 − 2/3, 1 − 0.9) = 0.4667.
    expect(ksTest([0.9, 0.1, 0.2], uniform).statistic).toBeCloseTo(0.46667, 4);
    const grid = Array.from({ length: 1000 }, (_, i) => (i + 0.5) / 1000);
    expect(ksTest(grid, uniform).pValue).toBeGreaterThan(0.99);
    expect(ksTest(grid.map((x) => x * x), uniform).pValue).toBeLessThan(1e-6);
  });

  it('KS with an atom: values at 1 against a law with mass at 1 fit, against a continuous law they do not', () => {
    const sample = [...Array.from({ length: 500 }, (_, i) => (i + 0.5) / 1000), ...Array.from({ length: 500 }, () => 1)];
    // Uniform on [0, 0.5] with half the mass at 1.
    const cdf = (x: number): number => (x >= 1 ? 1 : Math.min(0.5, Math.max(0, x)));
    const cdfLeft = (x: number): number => Math.min(0.5, Math.max(0, x));
    expect(ksTest(sample, cdf, cdfLeft).pValue).toBeGreaterThan(0.99);
    expect(ksTest(sample, (x) => Math.min(1, Math.max(0, x))).pValue).toBeLessThan(1e-6);
  });

  it('two proportions: equal halves give z = 0, very different ones a tiny p-value', () => {
    expect(twoProportionTest(10, 100, 10, 100).statistic).toBe(0);
    expect(twoProportionTest(5, 100, 40, 100).pValue).toBeLessThan(1e-6);
  });
});

describe('the normal quantile', () => {
  it('inverts Φ to 1e-9 and gives 1.959964 at 0.975', async () => {
    const { normalQuantile, Z95 } = await import('../../src/calibrate/statistics.js');
    expect(Z95).toBeCloseTo(1.959964, 6);
    for (const p of [1e-10, 0.001, 0.02, 0.3, 0.5, 0.9, 0.999]) expect(normalCdf(normalQuantile(p)) / p).toBeCloseTo(1, 6);
  });
});
