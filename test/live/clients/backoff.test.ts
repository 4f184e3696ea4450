/** Backoff: waits grow exponentially from the base, never beyond the cap nor below the floor, and reset on success. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Backoff, DEFAULT_BACKOFF, pause } from '../../../src/live/clients/backoff.js';

describe('Backoff', () => {
  it('keeps every wait within [minMs, min(capMs, baseMs·2^n)] for any draws', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 500 }), fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 100 }), fc.array(fc.double({ min: 0, max: 0.999_999, noNaN: true }), { minLength: 1, maxLength: 60 }),
      (baseMs, capExtra, minMs, draws) => {
        const capMs = minMs + capExtra;
        let i = 0;
        const backoff = new Backoff({ baseMs, capMs, minMs }, () => draws[i++ % draws.length]!);
        draws.forEach((_, n) => {
          const wait = backoff.nextDelayMs();
          expect(wait).toBeGreaterThanOrEqual(minMs);
          expect(wait).toBeLessThanOrEqual(Math.max(minMs, Math.min(capMs, baseMs * 2 ** n)));
        });
      },
    ), { seed: 1 });
  });

  it('reaches the cap with the largest draw, and starts from the base again after a reset', () => {
    const backoff = new Backoff(DEFAULT_BACKOFF, () => 0.999_999);
    const waits = Array.from({ length: 10 }, () => backoff.nextDelayMs());
    expect(waits[0]).toBeCloseTo(DEFAULT_BACKOFF.baseMs, 0);
    expect(waits[9]).toBeCloseTo(DEFAULT_BACKOFF.capMs, 0);
    expect(backoff.attempts).toBe(10);
    backoff.reset();
    expect(backoff.nextDelayMs()).toBeCloseTo(DEFAULT_BACKOFF.baseMs, 0);
  });

  it('refuses bounds that make no sense', () => {
    expect(() => new Backoff({ baseMs: 0, capMs: 10, minMs: 0 })).toThrow(/invalid backoff/);
    expect(() => new Backoff({ baseMs: 10, capMs: 5, minMs: 6 })).toThrow(/invalid backoff/);
  });

  it('pause ends early when its signal aborts', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const waiting = pause(10_000, controller.signal);
    controller.abort();
    await waiting;
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
