/**
 * Failure memory: which agents failed which task types recently, so that retries of that type
 * go elsewhere for a while (the production lesson that indexing failures raises retry
 * success). Bounded: at most `maxEntries` (agent, type) pairs; the one that expires first is
 * forgotten first when full.
 */

/** Remembers (agent, task type) failures until they expire. */
export class FailureMemory {
  /** Expiry time by `${agentIndex}/${type}`. */
  private readonly until = new Map<string, number>();

  /**
   * @param seconds - how long a failure is remembered (0: nothing is);
   * @param maxEntries - most pairs remembered at once.
   */
  constructor(
    private readonly seconds: number,
    private readonly maxEntries: number,
  ) {
    if (!(seconds >= 0)) throw new Error(`failure memory seconds must be >= 0, got ${seconds}`);
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new Error(`failure memory maxEntries must be an integer >= 1, got ${maxEntries}`);
  }

  /** True when failures are remembered at all. */
  get enabled(): boolean {
    return this.seconds > 0;
  }

  /** Pairs currently held (expired ones included until they are swept). */
  get size(): number {
    return this.until.size;
  }

  /** An attempt of `type` failed on agent `agent` at `now`. */
  recordFailure(agent: number, type: string, now: number): void {
    if (this.seconds === 0) return;
    const key = `${agent}/${type}`;
    this.until.delete(key); // re-inserted last, so Map order stays by expiry
    if (this.until.size >= this.maxEntries) this.sweep(now);
    if (this.until.size >= this.maxEntries) this.until.delete(this.until.keys().next().value!);
    this.until.set(key, now + this.seconds);
  }

  /** True while a failure of `type` on `agent` is remembered at `now`. */
  avoids(agent: number, type: string, now: number): boolean {
    if (this.until.size === 0) return false;
    const expiry = this.until.get(`${agent}/${type}`);
    return expiry !== undefined && now < expiry;
  }

  /** Every remembered pair as `[key, expiry]`, in the order they are forgotten (for snapshots). */
  entries(): [string, number][] {
    return [...this.until];
  }

  /** Replaces what is remembered by `entries` (as {@link FailureMemory.entries} gave them). */
  restore(entries: readonly (readonly [string, number])[]): void {
    this.until.clear();
    for (const [key, expiry] of entries) this.until.set(key, expiry);
  }

  /** Forgets expired pairs (they are in expiry order, because every entry lives `seconds`). */
  private sweep(now: number): void {
    for (const [key, expiry] of this.until) {
      if (expiry > now) return;
      this.until.delete(key);
    }
  }
}
