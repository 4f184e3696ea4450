/**
 * A stream of non-negative samples (latencies, waits) summarised in memory that does not grow
 * with the number of samples: the count, the minimum and maximum and the mean exactly, quantiles
 * from a DDSketch (Masson, Rim & Lee, VLDB 2019; `@datadog/sketches-js`).
 *
 * The sketch keeps one counter per logarithmic bucket [γ^(k−1), γ^k) with
 * γ = (1 + α)/(1 − α); it reports a bucket by the value within relative error α of every value
 * in it. With α = {@link QUANTILE_RELATIVE_ACCURACY} a latency range from a microsecond to a
 * day takes about 2,300 buckets (18 KiB), and a million samples or ten million the same.
 */
import { DDSketch } from '@datadog/sketches-js';

/**
 * Relative accuracy α of every sketched quantile: the reported value is within α·x of the exact
 * quantile x (linear interpolation between order statistics, as simple-statistics' `quantile`).
 */
export const QUANTILE_RELATIVE_ACCURACY = 0.005;

/**
 * Non-negative samples: exact count, minimum, maximum and mean; quantiles within
 * {@link QUANTILE_RELATIVE_ACCURACY}. Adding allocates nothing except when the sketch's bucket
 * range widens (a few times a run).
 */
export class SampleSketch {
  private readonly sketch = new DDSketch({ relativeAccuracy: QUANTILE_RELATIVE_ACCURACY });
  private readonly total = new CompensatedSum();
  /** Samples added. */
  count = 0;
  /** Smallest sample (Infinity while empty). */
  min = Number.POSITIVE_INFINITY;
  /** Largest sample (−Infinity while empty). */
  max = Number.NEGATIVE_INFINITY;

  /** Adds a sample. @throws Error when it is negative or NaN (a caller bug: durations cannot be). */
  add(value: number): void {
    if (!(value >= 0)) throw new Error(`sample sketch: samples must be >= 0, got ${value}`);
    this.sketch.accept(value);
    this.total.add(value);
    this.count++;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  /** Mean of the samples (null when empty): the compensated sum in insertion order ÷ count. */
  mean(): number | null {
    return this.count === 0 ? null : this.total.value() / this.count;
  }

  /**
   * The q-quantile (null when empty), defined as simple-statistics' `quantile` on the exact
   * sample: rank h = q·(n − 1), linear interpolation between the order statistics ⌊h⌋ and ⌈h⌉.
   * Each order statistic comes from the sketch (within α relative), so their interpolation is
   * within α of the exact quantile; the result is clamped to [min, max], which are exact.
   */
  quantile(q: number): number | null {
    if (!(q >= 0 && q <= 1)) throw new Error(`sample sketch: quantile must be in [0, 1], got ${q}`);
    if (this.count === 0) return null;
    const rank = q * (this.count - 1);
    const lower = Math.floor(rank);
    const low = this.orderStatistic(lower);
    const value = rank === lower ? low : low + (rank - lower) * (this.orderStatistic(lower + 1) - low);
    return Math.min(this.max, Math.max(this.min, value));
  }

  /** Adds every sample of `other` (the sketch of another stream). */
  merge(other: SampleSketch): void {
    this.sketch.merge(other.sketch);
    this.total.merge(other.total);
    this.count += other.count;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
  }

  /** The sketch's estimate of the order statistic of 0-based rank `rank` (an integer < count). */
  private orderStatistic(rank: number): number {
    if (rank === 0) return this.min;
    if (rank === this.count - 1) return this.max;
    const { sketch } = this;
    if (rank < sketch.zeroCount) return 0;
    return sketch.mapping.value(sketch.store.keyAtRank(rank - sketch.zeroCount));
  }
}

/**
 * A running sum with Neumaier's compensation, the same arithmetic as simple-statistics' `sum`
 * fed in the same order, so a mean folded sample by sample equals the one taken over the stored
 * sample to the last bit.
 */
export class CompensatedSum {
  private sum = 0;
  private correction = 0;
  private started = false;

  /** Adds `x`. */
  add(x: number): void {
    if (!this.started) {
      this.sum = x;
      this.started = true;
      return;
    }
    const transition = this.sum + x;
    if (Math.abs(this.sum) >= Math.abs(x)) this.correction += this.sum - transition + x;
    else this.correction += x - transition + this.sum;
    this.sum = transition;
  }

  /** Adds the sum of another stream (its own compensation included). */
  merge(other: CompensatedSum): void {
    if (!other.started) return;
    this.add(other.sum);
    this.correction += other.correction;
  }

  /** The sum so far (0 when nothing was added). */
  value(): number {
    return this.sum + this.correction;
  }
}
