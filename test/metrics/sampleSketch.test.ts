import fc from 'fast-check';
import seedrandom from 'seedrandom';
import { mean, quantile, sum } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { CompensatedSum, QUANTILE_RELATIVE_ACCURACY, SampleSketch } from '../../src/metrics/sampleSketch.js';
import { expectQuantile } from '../support/sketchAccuracy.js';

const SHARES = [0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1];

function sketchOf(values: readonly number[]): SampleSketch {
  const sketch = new SampleSketch();
  for (const value of values) sketch.add(value);
  return sketch;
}

/** Samples of the shapes runs produce: exponential, heavy-tailed, with zeros and ties. */
function samples(seed: string, n: number): number[] {
  const random = seedrandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const u = random();
    switch (i % 4) {
      case 0: return -Math.log(1 - u); // exponential, mean 1
      case 1: return Math.exp(3 * (u - 0.5)) * 1e-3; // log-uniform over ~3 decades
      case 2: return u < 0.3 ? 0 : 1 / (1 - u) ** 0.8; // zeros and a Pareto tail
      default: return Math.round(u * 10) / 4; // ties
    }
  });
}

describe('sample sketch', () => {
  it(`gives every quantile within ${QUANTILE_RELATIVE_ACCURACY} of the exact one on the same samples`, () => {
    for (const n of [1, 2, 7, 1_000, 200_000]) {
      const values = samples(`sketch-${n}`, n);
      const sketch = sketchOf(values);
      for (const q of SHARES) expectQuantile(sketch.quantile(q), quantile(values, q));
    }
  });

  it('holds the bound for any non-negative samples (property)', () => {
    const value = fc.oneof(fc.constant(0), fc.double({ min: 1e-9, max: 1e9, noNaN: true }));
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 300 }), fc.double({ min: 0, max: 1, noNaN: true }), (values, q) => {
        expectQuantile(sketchOf(values).quantile(q), quantile(values, q));
      }), { seed: 1 },
    );
  });

  it('holds the bound where the interpolated quantile is subnormal (fast-check found q = 1.5e-323), and no looser', () => {
    const values = [5.611111111111112, 5.611111111111112, 5.611111111111112, 0];
    const q = 1.5e-323;
    const sketched = sketchOf(values).quantile(q)!;
    const exact = quantile(values, q);
    expectQuantile(sketched, exact);
    // Off by one step of the subnormal grid, which the relative bound alone (underflowing to 0) refuses.
    expect(Math.abs(sketched - exact)).toBe(Number.MIN_VALUE);
    expect(() => expectQuantile(exact + 2 * Number.MIN_VALUE, exact)).toThrow();
  });

  it('keeps the count, minimum, maximum and mean exact (the mean to the last bit of simple-statistics over the stored sample)', () => {
    const values = samples('exact', 50_001);
    const sketch = sketchOf(values);
    expect(sketch.count).toBe(values.length);
    expect(sketch.min).toBe(Math.min(...values));
    expect(sketch.max).toBe(Math.max(...values));
    expect(sketch.mean()).toBe(mean(values));
  });

  it('holds the bound at bucket edges (powers of two and their neighbours)', () => {
    const values = [2 ** -20, 1, 2, 4, 1024, 1 - 2 ** -53, 2 + 2 ** -51, 3, 0.75, 1e6];
    for (const value of values) {
      for (const q of [0.5, 0.95]) expectQuantile(sketchOf([value, value * 1.001, 0]).quantile(q), quantile([value, value * 1.001, 0], q));
    }
  });

  it('takes memory by the range of the samples, not their number', () => {
    const bucketsOf = (sketch: SampleSketch): number => (sketch as unknown as { counts: Float64Array }).counts.length;
    const few = sketchOf(samples('few', 1_000));
    const many = sketchOf(samples('many', 300_000));
    expect(bucketsOf(many)).toBeLessThanOrEqual(2 * bucketsOf(few));
    expect(bucketsOf(many)).toBeLessThan(16_384);
  });

  it('is empty, not zero, before the first sample', () => {
    const sketch = new SampleSketch();
    expect([sketch.mean(), sketch.quantile(0.5), sketch.count]).toEqual([null, null, 0]);
  });

  it('merges: two sketches merged answer as one fed both streams', () => {
    const a = samples('merge-a', 10_000);
    const b = samples('merge-b', 3_000);
    const merged = sketchOf(a);
    merged.merge(sketchOf(b));
    const whole = sketchOf([...a, ...b]);
    for (const q of SHARES) expect(merged.quantile(q)).toBe(whole.quantile(q));
    expect([merged.count, merged.min, merged.max]).toEqual([whole.count, whole.min, whole.max]);
    expect(merged.mean()).toBeCloseTo(mean([...a, ...b]), 12);
  });

  it('finds every rank\'s order statistic, in the lower half and the upper half, within the bound', () => {
    // 1,025 samples: q = r / 1024 puts the rank at r exactly, so each quantile is one order statistic.
    const values = samples('ranks', 1_025);
    const sorted = [...values].sort((a, b) => a - b);
    const sketch = sketchOf(values);
    for (let rank = 0; rank < sorted.length; rank++) expectQuantile(sketch.quantile(rank / 1024), sorted[rank]!);
  });

  it('copies: a copy answers as the original, and each folds on without the other', () => {
    const values = samples('copy', 5_000);
    const original = sketchOf(values);
    const copy = original.copy();
    for (const q of SHARES) expect(copy.quantile(q)).toBe(original.quantile(q));
    expect([copy.count, copy.min, copy.max, copy.mean()]).toEqual([original.count, original.min, original.max, original.mean()]);
    copy.add(1e6);
    original.add(0);
    expect(copy.quantile(1)).toBe(1e6);
    expect(original.quantile(1)).toBe(Math.max(...values));
    const alone = sketchOf([...values, 1e6]);
    for (const q of SHARES) expect(copy.quantile(q)).toBe(alone.quantile(q));
    expect(copy.mean()).toBe(alone.mean());
  });

  it('compacts to the buckets holding samples, answering as before and taking samples on either side after', () => {
    const bucketsOf = (sketch: SampleSketch): number => (sketch as unknown as { counts: Float64Array }).counts.length;
    const values = samples('compact', 2_000);
    const sketch = sketchOf(values);
    const wide = bucketsOf(sketch);
    sketch.compact();
    expect(bucketsOf(sketch)).toBeLessThan(wide);
    const whole = sketchOf(values);
    for (const q of SHARES) expect(sketch.quantile(q)).toBe(whole.quantile(q));
    for (const extra of [1e-9, 1e9, 0.5]) {
      sketch.add(extra);
      whole.add(extra);
    }
    for (const q of SHARES) expect(sketch.quantile(q)).toBe(whole.quantile(q));
    const merged = new SampleSketch();
    merged.merge(sketch);
    for (const q of SHARES) expect(merged.quantile(q)).toBe(whole.quantile(q));
    const empty = new SampleSketch();
    empty.compact();
    empty.add(3);
    expect(empty.quantile(0.5)).toBe(3);
  });

  it('keeps a compacted sketch of few samples far apart as its buckets holding samples: memory in proportion to them, answers unchanged', () => {
    const internals = (sketch: SampleSketch): { counts: Float64Array; sparse: { buckets: Int32Array; counts: Float64Array } | null } =>
      sketch as unknown as { counts: Float64Array; sparse: { buckets: Int32Array; counts: Float64Array } | null };
    // Five latencies from a millisecond to an hour: a window of thousands of buckets for five samples.
    const values = [0.001, 0.002, 0.5, 30, 3600];
    const sketch = sketchOf(values);
    expect(internals(sketch).counts.length).toBeGreaterThan(2000);
    sketch.compact();
    expect(internals(sketch).counts.length).toBe(0);
    expect([...internals(sketch).sparse!.counts]).toEqual([1, 1, 1, 1, 1]);
    // Dense samples stay dense, cut to their span.
    const dense = sketchOf(Array.from({ length: 3000 }, (_, i) => 1 + i / 3000));
    dense.compact();
    expect(internals(dense).sparse).toBeNull();
    expect(internals(dense).counts.length).toBeLessThanOrEqual(129);
  });

  it('answers, merges, copies and takes samples after compact as it did before, whatever the samples', () => {
    const positive = fc.double({ min: 1e-6, max: 1e6, noNaN: true });
    const sample = fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 9, arbitrary: positive });
    fc.assert(fc.property(fc.array(sample, { minLength: 1, maxLength: 60 }), fc.array(sample, { maxLength: 5 }), (values, later) => {
      const compacted = sketchOf(values);
      compacted.compact();
      const plain = sketchOf(values);
      for (const q of SHARES) expect(compacted.quantile(q)).toBe(plain.quantile(q));
      const mergedFromCompact = new SampleSketch();
      mergedFromCompact.merge(compacted);
      const copy = compacted.copy();
      for (const q of SHARES) {
        expect(mergedFromCompact.quantile(q)).toBe(plain.quantile(q));
        expect(copy.quantile(q)).toBe(plain.quantile(q));
      }
      for (const value of later) {
        compacted.add(value);
        plain.add(value);
      }
      for (const q of SHARES) expect(compacted.quantile(q)).toBe(plain.quantile(q));
      expect([compacted.count, compacted.min, compacted.max, compacted.mean()]).toEqual([plain.count, plain.min, plain.max, plain.mean()]);
    }), { numRuns: 300, seed: 20261208 });
  });

  it('rejects negative, NaN and infinite samples and shares outside [0, 1]', () => {
    const sketch = new SampleSketch();
    expect(() => sketch.add(-1)).toThrow(/must be finite and >= 0/);
    expect(() => sketch.add(Number.NaN)).toThrow(/must be finite and >= 0/);
    expect(() => sketch.add(Number.POSITIVE_INFINITY)).toThrow(/must be finite and >= 0/);
    sketch.add(1);
    expect(() => sketch.quantile(1.5)).toThrow(/quantile must be in \[0, 1\]/);
  });
});

describe('compensated sum', () => {
  it('keeps what a naive sum loses', () => {
    const sum = new CompensatedSum();
    for (const x of [1e16, 1, -1e16, 1]) sum.add(x);
    expect(sum.value()).toBe(2);
  });

  it('equals simple-statistics\' sum of the same finite numbers to the bit, though it starts from 0 rather than from the first', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e300, max: 1e300 }), fc.constantFrom(0, -0, 1e16, -1e16)), { minLength: 1, maxLength: 40 }), (values) => {
        const folded = new CompensatedSum();
        for (const x of values) folded.add(x);
        expect(Object.is(folded.value(), sum(values) + 0)).toBe(true);
        const merged = new CompensatedSum();
        merged.merge(new CompensatedSum());
        merged.merge(folded);
        expect(Object.is(merged.value(), folded.value())).toBe(true);
      }),
      { seed: 23, numRuns: 500 },
    );
  });
});
