/**
 * The collector's per-agent counters (tasks completed, tokens, busy slots integrated over time),
 * interleaved in one typed array: a start or a finish touches one agent's record, not one
 * element in each of five arrays. At 100,000 agents every agent's counters are a cache miss
 * of their own, so five arrays cost five lines per finish where one record costs one or two.
 */

/** Offsets of one agent's counters in its record. */
const COMPLETED = 0;
const TOKENS = 1;
const BUSY_SLOTS = 2;
const BUSY_SINCE = 3;
const BUSY_SECONDS = 4;
/** Five doubles, padded to 64 bytes (a cache line) so no record straddles more lines than it must. */
const STRIDE = 8;
/** Records allocated before the first agent joins; the array doubles when full. */
const INITIAL_AGENTS = 16;

/** Built out of line to keep {@link AgentCounters.occupy} small for V8's inliner. */
function unknownAgentIndex(index: number): Error {
  return new Error(`metrics: slot event for unknown agent index ${index}`);
}

/**
 * Per-agent counters by dense agent index, in join order. Integers are stored as doubles, which
 * hold them exactly (counts and slots stay far below 2^53), so every figure is the same to the bit
 * as with plain arrays.
 */
export class AgentCounters {
  private records = new Float64Array(INITIAL_AGENTS * STRIDE);
  private agents = 0;

  /** Agents added so far. */
  get length(): number {
    return this.agents;
  }

  /** Adds the next agent: nothing completed, no slot busy, busy time integrated from `time`. */
  add(time: number): void {
    if ((this.agents + 1) * STRIDE > this.records.length) {
      const grown = new Float64Array(this.records.length * 2);
      grown.set(this.records);
      this.records = grown;
    }
    this.records[this.agents * STRIDE + BUSY_SINCE] = time;
    this.agents++;
  }

  /** Counts one completed task of `tokens` tokens for agent `index`. */
  completed(index: number, tokens: number): void {
    const at = index * STRIDE;
    this.records[at + COMPLETED]++;
    this.records[at + TOKENS] += tokens;
  }

  /**
   * Integrates agent `index`'s busy slots up to `time`, then changes them by `delta`.
   * @throws Error when no agent has that index (a typed array would ignore the write).
   */
  occupy(index: number, time: number, delta: number): void {
    if (!(index >= 0 && index < this.agents)) throw unknownAgentIndex(index);
    const records = this.records;
    const at = index * STRIDE;
    const slots = records[at + BUSY_SLOTS];
    records[at + BUSY_SECONDS] += slots * (time - records[at + BUSY_SINCE]);
    records[at + BUSY_SINCE] = time;
    records[at + BUSY_SLOTS] = slots + delta;
  }

  /** Restarts every agent's busy-time integral at `time` (the measurement window opens). */
  restartBusy(time: number): void {
    for (let at = 0; at < this.agents * STRIDE; at += STRIDE) {
      this.records[at + BUSY_SECONDS] = 0;
      this.records[at + BUSY_SINCE] = time;
    }
  }

  /** Tasks agent `index` completed. */
  completedOf(index: number): number {
    return this.records[index * STRIDE + COMPLETED];
  }

  /** Tokens of the tasks agent `index` completed. */
  tokensOf(index: number): number {
    return this.records[index * STRIDE + TOKENS];
  }

  /** Agent `index`'s slot-seconds busy up to `endTimeSeconds`. */
  busySecondsOf(index: number, endTimeSeconds: number): number {
    const at = index * STRIDE;
    return this.records[at + BUSY_SECONDS] + this.records[at + BUSY_SLOTS] * (endTimeSeconds - this.records[at + BUSY_SINCE]);
  }

  /** Every agent's completed tasks, by index. */
  completedByAgent(): Float64Array {
    return this.column(COMPLETED);
  }

  /** Every agent's completed tokens, by index. */
  tokensByAgent(): Float64Array {
    return this.column(TOKENS);
  }

  private column(offset: number): Float64Array {
    const values = new Float64Array(this.agents);
    for (let i = 0; i < this.agents; i++) values[i] = this.records[i * STRIDE + offset];
    return values;
  }
}
