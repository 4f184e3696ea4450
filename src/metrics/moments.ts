/**
 * Mean and standard deviation of a stream of samples without keeping them: the mean from a
 * compensated sum (the same figure as over the stored sample), the variance by Welford's update
 * (numerically stable in one pass; it may differ from the two-pass figure in the last bits).
 */
import { CompensatedSum } from './sampleSketch.js';

/** Running count, mean and population variance of a stream. */
export class Moments {
  private total = new CompensatedSum();
  private welfordMean = 0;
  private squaredDeviations = 0;
  /** Samples added. */
  count = 0;

  /** Adds a sample. */
  add(x: number): void {
    this.total.add(x);
    this.count++;
    const delta = x - this.welfordMean;
    this.welfordMean += delta / this.count;
    this.squaredDeviations += delta * (x - this.welfordMean);
  }

  /** The same running figures, folding on independently of these. */
  copy(): Moments {
    const copy = new Moments();
    copy.total = this.total.copy();
    copy.welfordMean = this.welfordMean;
    copy.squaredDeviations = this.squaredDeviations;
    copy.count = this.count;
    return copy;
  }

  /**
   * Adds the samples of another stream (Chan et al.'s pairwise update of the mean and the sum of
   * squared deviations; the sum as {@link CompensatedSum.merge}).
   */
  merge(other: Moments): void {
    if (other.count === 0) return;
    const count = this.count + other.count;
    const delta = other.welfordMean - this.welfordMean;
    this.squaredDeviations += other.squaredDeviations + (delta * delta * this.count * other.count) / count;
    this.welfordMean += (delta * other.count) / count;
    this.total.merge(other.total);
    this.count = count;
  }

  /** Mean (null when empty). */
  mean(): number | null {
    return this.count === 0 ? null : this.total.value() / this.count;
  }

  /** Population standard deviation (null when empty). */
  standardDeviation(): number | null {
    return this.count === 0 ? null : Math.sqrt(Math.max(0, this.squaredDeviations) / this.count);
  }
}
