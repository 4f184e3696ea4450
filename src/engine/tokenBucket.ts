/**
 * A token bucket: `ratePerSecond` tokens flow in up to `burst`; each admitted submission takes
 * one. Time comes in with each call (the engine reads no clock).
 */

/** Rate limiter on the engine's ingress. */
export class TokenBucket {
  private tokens: number;
  private lastTime = Number.NEGATIVE_INFINITY;

  /** @param ratePerSecond - refill rate (Infinity: never limits); @param burst - bucket size, starts full. */
  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
  ) {
    if (!(ratePerSecond > 0)) throw new Error(`ingress ratePerSecond must be > 0, got ${ratePerSecond}`);
    if (!(burst >= 1) || !Number.isFinite(burst)) throw new Error(`ingress burst must be a finite number >= 1, got ${burst}`);
    this.tokens = burst;
  }

  /** True when the bucket never refuses. */
  get unlimited(): boolean {
    return this.ratePerSecond === Number.POSITIVE_INFINITY;
  }

  /** The tokens left and when they were last counted (-Infinity before the first submission), for snapshots. */
  get level(): { readonly tokens: number; readonly lastTime: number } {
    return { tokens: this.tokens, lastTime: this.lastTime };
  }

  /** Sets the level {@link TokenBucket.level} read. */
  restore(level: { readonly tokens: number; readonly lastTime: number }): void {
    this.tokens = level.tokens;
    this.lastTime = level.lastTime;
  }

  /** Takes one token at `now` if there is one; false (and nothing taken) when the bucket is empty. */
  tryTake(now: number): boolean {
    if (this.unlimited) return true;
    if (this.lastTime !== Number.NEGATIVE_INFINITY) {
      this.tokens = Math.min(this.burst, this.tokens + (now - this.lastTime) * this.ratePerSecond);
    }
    this.lastTime = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
