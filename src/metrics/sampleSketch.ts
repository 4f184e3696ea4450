/**
 * A stream of non-negative samples (latencies, waits) summarised in memory that does not grow
 * with the number of samples: the count, the minimum and maximum and the mean exactly, quantiles
 * from a log-linear histogram (the bucketing of HDR Histogram) within a stated relative error.
 *
 * A bucket is a double's sign, exponent and top {@link Bucket.SignificantBits} mantissa bits: the
 * high 32 bits of its IEEE-754 form shifted right, so a sample is binned by one typed-array
 * store and one load, with no logarithm. Within an octave [2^e, 2^(e+1)) the 128 buckets are
 * 2^e/128 wide, so a bucket's midpoint is within 1/256 (0.39%) of every value in it:
 * {@link QUANTILE_RELATIVE_ACCURACY}. Buckets are counted in one dense window grown to the
 * range seen; latencies from a microsecond to a day take ~4,700 buckets (37 KiB).
 *
 * Why not a package: this file first wrapped DDSketch (`@datadog/sketches-js`, which maps each
 * sample through `Math.log2` into an untyped array): measured best of 25 rounds of a million
 * samples, an add took 87–91 ns with it and 22 ns with these buckets (a plain typed-array store:
 * 2.4 ns), and a run adds two samples per task on the hot path. `hdr-histogram-js` wants
 * integer values in a range fixed up front.
 */

/** The bucket's layout, written in place by the compiler (a const enum: a module constant is a context load per sample). */
const enum Bucket {
  /** Mantissa bits kept per bucket: 128 buckets an octave. */
  SignificantBits = 7,
  /** Right shift from a double's high 32 bits to its bucket. */
  Shift = 20 - SignificantBits,
}

/**
 * Relative accuracy of every sketched quantile: the reported value is within this share of the
 * exact quantile (linear interpolation between order statistics, as simple-statistics'
 * `quantile`). The buckets give 1/256 ≈ 0.39%; 0.5% is the bound stated and tested.
 */
export const QUANTILE_RELATIVE_ACCURACY = 0.005;

// The bits of a double, read through a shared scratch slot; which word is high depends on the
// platform's byte order.
const scratch = new Float64Array(1);
const scratchWords = new Uint32Array(scratch.buffer);
const HIGH_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/** The bucket of a positive finite double. */
function bucketOf(value: number): number {
  scratch[0] = value;
  return scratchWords[HIGH_WORD]! >>> Bucket.Shift;
}

/** The midpoint of a bucket: within 1/256 of every value in it. */
function bucketMidpoint(bucket: number): number {
  scratchWords[HIGH_WORD] = bucket << Bucket.Shift;
  scratchWords[1 - HIGH_WORD] = 0;
  const low = scratch[0]!;
  scratchWords[HIGH_WORD] = (bucket + 1) << Bucket.Shift;
  return (low + scratch[0]!) / 2;
}

/** Built out of line so that {@link SampleSketch.add} stays small enough for V8 to inline. */
function invalidSample(value: number): Error {
  return new Error(`sample sketch: samples must be finite and >= 0, got ${value}`);
}

/** The buckets of a compacted sketch that hold samples, ascending, and their counts ({@link SampleSketch.compact}). */
interface SparseBuckets {
  readonly buckets: Int32Array;
  readonly counts: Float64Array;
}

/**
 * The counts of a sketch with no dense window (new, or compacted to its sparse form), shared:
 * nothing writes to it (a sample first widens the window into an array of its own), and a
 * typed array of its own would cost each of a window's many small sketches ~100 bytes.
 */
const NO_COUNTS = new Float64Array(0);

/** Bytes a bucket takes in the dense window (a count) and in the sparse form (its number and its count). */
const DENSE_BUCKET_BYTES = 8;
const SPARSE_BUCKET_BYTES = 12;

/**
 * Non-negative samples: exact count, minimum, maximum and mean; quantiles within
 * {@link QUANTILE_RELATIVE_ACCURACY}. Adding allocates nothing except when the range of
 * buckets widens (a few times a run).
 */
export class SampleSketch {
  /** Counts of buckets `offset` … `offset + counts.length − 1` (none while {@link SampleSketch.sparse} holds them). */
  private counts = NO_COUNTS;
  private offset = 0;
  /** The buckets in their sparse form after {@link SampleSketch.compact}; null while the dense window holds them. */
  private sparse: SparseBuckets | null = null;
  private zeros = 0;
  private total = new CompensatedSum();
  /** Samples added. */
  count = 0;
  /** Smallest sample (Infinity while empty). */
  min = Number.POSITIVE_INFINITY;
  /** Largest sample (−Infinity while empty). */
  max = Number.NEGATIVE_INFINITY;

  /** Adds a sample. @throws Error when it is negative, NaN or infinite (a caller bug: durations cannot be). */
  add(value: number): void {
    if (!(value >= 0 && value < Number.POSITIVE_INFINITY)) throw invalidSample(value);
    if (value === 0) this.zeros++;
    else this.addToBucket(bucketOf(value), 1);
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
   * Each order statistic is its bucket's midpoint (within the accuracy), so their interpolation
   * is within it of the exact quantile; the result is clamped to [min, max], which are exact.
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
    const sparse = other.sparse;
    if (sparse !== null) {
      for (let i = 0; i < sparse.buckets.length; i++) this.addToBucket(sparse.buckets[i]!, sparse.counts[i]!);
    } else {
      // Only the buckets from the minimum's to the maximum's can hold samples: a window's merge of
      // hundreds of small sketches walks those, not each one's whole window of buckets.
      const last = other.max > 0 ? bucketOf(other.max) - other.offset : -1;
      for (let i = other.min > 0 ? bucketOf(other.min) - other.offset : 0; i <= last; i++) {
        if (other.counts[i]! > 0) this.addToBucket(other.offset + i, other.counts[i]!);
      }
    }
    this.zeros += other.zeros;
    this.total.merge(other.total);
    this.count += other.count;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
  }

  /** A sketch of the same samples, folding on independently of this one. */
  copy(): SampleSketch {
    // The same window copied whole (a memory copy) rather than merged bucket by bucket, which
    // a run's end did in a cold process, before the loop that merges was compiled.
    const copy = new SampleSketch();
    copy.counts = this.counts === NO_COUNTS ? NO_COUNTS : this.counts.slice();
    copy.offset = this.offset;
    copy.sparse = this.sparse === null ? null : { buckets: this.sparse.buckets.slice(), counts: this.sparse.counts.slice() };
    copy.zeros = this.zeros;
    copy.total = this.total.copy();
    copy.count = this.count;
    copy.min = this.min;
    copy.max = this.max;
    return copy;
  }

  /**
   * Lets go of the buckets that hold no sample, for a sketch that will take few or no more
   * samples (a past interval's, `recentMetrics.ts`): the window grows by doubling, so it holds
   * up to twice the buckets its samples span, and a few samples far apart span many empty ones.
   * The window is cut to the buckets from the minimum's to the maximum's, or, when that takes
   * less memory, the buckets holding samples are kept as a list of (bucket, count), so that its
   * memory is at most in proportion to its samples (12 bytes a distinct bucket). Answers are the
   * same; a later sample makes the window dense again.
   */
  compact(): void {
    if (this.sparse !== null) return;
    const counts = this.counts;
    let low = 0;
    while (low < counts.length && counts[low] === 0) low++;
    let high = counts.length;
    while (high > low && counts[high - 1] === 0) high--;
    let used = 0;
    for (let i = low; i < high; i++) if (counts[i]! > 0) used++;
    if (used * SPARSE_BUCKET_BYTES < (high - low) * DENSE_BUCKET_BYTES) {
      const sparse: SparseBuckets = { buckets: new Int32Array(used), counts: new Float64Array(used) };
      for (let i = low, k = 0; i < high; i++) {
        if (counts[i]! === 0) continue;
        sparse.buckets[k] = this.offset + i;
        sparse.counts[k++] = counts[i]!;
      }
      this.sparse = sparse;
      this.counts = NO_COUNTS;
      this.offset = 0;
      return;
    }
    if (low === 0 && high === counts.length) return;
    this.counts = counts.slice(low, high);
    this.offset += low;
  }

  private addToBucket(bucket: number, weight: number): void {
    let at = bucket - this.offset;
    if (at < 0 || at >= this.counts.length) at = this.widen(bucket);
    this.counts[at]! += weight;
  }

  /** Grows the window to take in `bucket` (at least doubling it); returns the bucket's slot. */
  private widen(bucket: number): number {
    if (this.sparse !== null) this.densify();
    const old = this.counts;
    if (old.length === 0) {
      this.counts = new Float64Array(1024);
      this.offset = bucket - 512;
      return bucket - this.offset;
    }
    const low = Math.min(this.offset, bucket);
    const high = Math.max(this.offset + old.length, bucket + 1);
    const length = Math.max(2 * old.length, high - low);
    // Room on the side that grew, so a run creeping outward widens O(log range) times.
    const offset = bucket < this.offset ? high - length : low;
    this.counts = new Float64Array(length);
    this.counts.set(old, this.offset - offset);
    this.offset = offset;
    return bucket - offset;
  }

  /** Puts the buckets of the sparse form back in a dense window spanning them (a sample came after `compact`). */
  private densify(): void {
    const { buckets, counts } = this.sparse!;
    this.sparse = null;
    if (buckets.length === 0) return;
    this.offset = buckets[0]!;
    this.counts = new Float64Array(buckets[buckets.length - 1]! - this.offset + 1);
    for (let i = 0; i < buckets.length; i++) this.counts[buckets[i]! - this.offset] = counts[i]!;
  }

  /** {@link SampleSketch.orderStatistic} over the sparse form: the same walk, over the buckets that hold samples. */
  private sparseOrderStatistic(rank: number, sparse: SparseBuckets): number {
    const { buckets, counts } = sparse;
    if (2 * rank >= this.count) {
      const above = this.count - 1 - rank;
      let seen = 0;
      for (let i = buckets.length - 1; i >= 0; i--) {
        seen += counts[i]!;
        if (seen > above) return bucketMidpoint(buckets[i]!);
      }
      return this.min;
    }
    let seen = this.zeros;
    for (let i = 0; i < buckets.length; i++) {
      seen += counts[i]!;
      if (seen > rank) return bucketMidpoint(buckets[i]!);
    }
    return this.max;
  }

  /**
   * The sketch's estimate of the order statistic of 0-based rank `rank` (an integer < count).
   * The buckets are walked from the minimum's up for a rank in the lower half and from the
   * maximum's down for one in the upper half: the same bucket either way (counts are whole
   * numbers, summed exactly), but a latency's window spans thousands of buckets, mostly below its
   * median, and a run's end reads its quantiles once, in a cold process, before the walk is
   * compiled.
   */
  private orderStatistic(rank: number): number {
    if (rank === 0) return this.min;
    if (rank === this.count - 1) return this.max;
    if (rank < this.zeros) return 0;
    if (this.sparse !== null) return this.sparseOrderStatistic(rank, this.sparse);
    // A positive sample ranks above `rank` here (rank < count − 1), so the maximum is positive.
    if (2 * rank >= this.count) {
      const above = this.count - 1 - rank;
      let seen = 0;
      for (let i = bucketOf(this.max) - this.offset; i >= 0; i--) {
        seen += this.counts[i]!;
        if (seen > above) return bucketMidpoint(this.offset + i);
      }
      return this.min;
    }
    let seen = this.zeros;
    for (let i = this.min > 0 ? bucketOf(this.min) - this.offset : 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen > rank) return bucketMidpoint(this.offset + i);
    }
    return this.max;
  }
}

/**
 * A running sum with Neumaier's compensation, the same arithmetic as simple-statistics' `sum`
 * fed in the same order, so a mean folded sample by sample equals the one taken over the stored
 * sample to the last bit. simple-statistics starts from the first sample; starting from 0 gives
 * the same value for finite samples (0 + x is x, and the first compensation term is 0; only a
 * zero's sign can differ, and the value adds a +0 correction to it), so the hot `add` tests no
 * flag.
 */
export class CompensatedSum {
  private sum = 0;
  private correction = 0;

  /** Adds `x` (finite). */
  add(x: number): void {
    const sum = this.sum;
    const transition = sum + x;
    if (Math.abs(sum) >= Math.abs(x)) this.correction += sum - transition + x;
    else this.correction += x - transition + sum;
    this.sum = transition;
  }

  /** The same running sum, adding on independently of this one. */
  copy(): CompensatedSum {
    const copy = new CompensatedSum();
    copy.sum = this.sum;
    copy.correction = this.correction;
    return copy;
  }

  /** Adds the sum of another stream (its own compensation included). */
  merge(other: CompensatedSum): void {
    this.add(other.sum);
    this.correction += other.correction;
  }

  /** The sum so far (0 when nothing was added). */
  value(): number {
    return this.sum + this.correction;
  }
}
