/**
 * A growable list of doubles for the metrics hot path: one store per push, no allocation except
 * when the capacity doubles (amortised O(1), about log₂ n reallocations in a run).
 */
export class Float64Buffer {
  private data: Float64Array;
  /** Values pushed so far. */
  length = 0;

  /** @param initialCapacity - slots allocated up front. @defaultValue 1024 */
  constructor(initialCapacity = 1024) {
    if (!Number.isInteger(initialCapacity) || initialCapacity < 1) {
      throw new Error(`Float64Buffer: initial capacity must be an integer >= 1, got ${initialCapacity}`);
    }
    this.data = new Float64Array(initialCapacity);
  }

  /** Appends a value. */
  push(value: number): void {
    if (this.length === this.data.length) this.grow();
    this.data[this.length++] = value;
  }

  /** The values in push order, as a view into the buffer (no copy; valid until the next push). */
  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }

  /** Number of values strictly below `limit`. */
  countBelow(limit: number): number {
    let count = 0;
    for (let i = 0; i < this.length; i++) if (this.data[i]! < limit) count++;
    return count;
  }

  private grow(): void {
    const next = new Float64Array(this.data.length * 2);
    next.set(this.data);
    this.data = next;
  }
}
