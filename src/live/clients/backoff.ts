/**
 * Capped exponential backoff with full jitter, for clients that retry until the service answers
 * (it may be restarting). The n-th consecutive failure waits a uniform draw in
 * [0, min(capMs, baseMs × 2^n)] but at least `minMs`; a success resets the count.
 */

/** Bounds of a {@link Backoff}, in milliseconds. */
export interface BackoffOptions {
  /** First ceiling (after one failure). */
  readonly baseMs: number;
  /** Largest wait ever. */
  readonly capMs: number;
  /** Smallest wait (a floor, so a client never spins). */
  readonly minMs: number;
}

/** What the clients use: waits between 10 ms and 1 s, well under any heartbeat period worth having. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 50, capMs: 1000, minMs: 10 };

/** The waits of one retrying caller. */
export class Backoff {
  private failures = 0;

  /**
   * @param options - the bounds; @param random - a uniform draw in [0, 1) (jitter only: a
   * client's timing is not part of any result).
   */
  constructor(private readonly options: BackoffOptions = DEFAULT_BACKOFF, private readonly random: () => number = Math.random) {
    if (!(options.minMs >= 0 && options.baseMs > 0 && options.capMs >= options.minMs)) throw new Error(`invalid backoff ${JSON.stringify(options)}`);
  }

  /** Consecutive failures so far. */
  get attempts(): number {
    return this.failures;
  }

  /** The wait after one more failure, in milliseconds. */
  nextDelayMs(): number {
    const ceiling = Math.min(this.options.capMs, this.options.baseMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    return Math.max(this.options.minMs, this.random() * ceiling);
  }

  /** A success: the next failure starts from the base again. */
  reset(): void {
    this.failures = 0;
  }
}

/** Resolves after `ms` milliseconds, or at once (rejecting nothing) when `signal` aborts. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
