/**
 * Engine configuration. It arrives fully specified: defaults are applied once, where a scenario
 * is parsed (or by {@link defaultEngineConfig} for teams that embed the engine), never below.
 */
import type { Binding } from './strategy.js';

/** What happens to a submission when the queues hold `maxDepth` tasks. */
export type OverflowPolicy = 'reject' | 'shed-lowest';

/** Engine settings. */
export interface EngineConfig {
  /** Late (pool) or early (per-agent queues) binding. */
  readonly binding: Binding;
  readonly queue: {
    /**
     * Admission limit: a submission that finds this many tasks queued (pool and agent queues
     * together) overflows (Infinity for none). Tasks already admitted (released by their
     * dependencies, or retrying) rejoin the queue past it: the lifecycle has no way to reject them.
     */
    readonly maxDepth: number;
    /** `reject` turns the newcomer away; `shed-lowest` evicts the least urgent, newest task. */
    readonly overflow: OverflowPolicy;
    /** Most queued tasks one dispatch pass examines looking for a task some agent can take. */
    readonly dispatchScanLimit: number;
  };
  readonly retry: {
    /** Retries after the first attempt, for tasks that do not set their own. */
    readonly maxRetries: number;
    readonly backoff: {
      /** Delay before the first retry, seconds. */
      readonly baseSeconds: number;
      /** Growth of the delay per further retry. */
      readonly factor: number;
      /** Relative jitter: the delay is multiplied by 1 + jitter × (2u − 1), u uniform. */
      readonly jitter: number;
      /** Cap on one delay, seconds. */
      readonly maxSeconds: number;
    };
  };
  /**
   * How many settled task ids the engine remembers so that a later `dependsOn` can still find
   * them (0 when the workload has no dependencies). A dependency on a forgotten id waits.
   */
  readonly settledMemory: number;
}

/**
 * Settings for teams that embed the engine directly.
 * @defaultValue late binding; unbounded queue rejecting on overflow; 3 retries with backoff
 * 1 s × 2^n, 10% jitter, capped at 300 s; 100,000 settled ids remembered.
 */
export function defaultEngineConfig(): EngineConfig {
  return {
    binding: 'late',
    queue: { maxDepth: Number.POSITIVE_INFINITY, overflow: 'reject', dispatchScanLimit: 256 },
    retry: { maxRetries: 3, backoff: { baseSeconds: 1, factor: 2, jitter: 0.1, maxSeconds: 300 } },
    settledMemory: 100_000,
  };
}
